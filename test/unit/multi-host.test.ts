/** Multi-host database URLs are parsed as libpq reads them. */
import t from 'tap';
import { parseHostList } from '../../src/db/multi-host.js';

t.test('one host without attributes is left to node-postgres', async (t) => {
  t.equal(parseHostList('postgres://u@127.0.0.1:5432/db'), undefined);
});

t.test('several hosts, ports defaulted, target_session_attrs taken out of the URL', async (t) => {
  const list = parseHostList('postgres://u:p@127.0.0.1:54331,127.0.0.1,[::1]:7/agora?target_session_attrs=read-write&application_name=x');
  t.same(list, {
    baseUrl: 'postgres://u:p@127.0.0.1:54331/agora?application_name=x',
    hosts: [
      { host: '127.0.0.1', port: 54331, url: 'postgres://u:p@127.0.0.1:54331/agora?application_name=x' },
      { host: '127.0.0.1', port: 5432, url: 'postgres://u:p@127.0.0.1/agora?application_name=x' },
      { host: '::1', port: 7, url: 'postgres://u:p@[::1]:7/agora?application_name=x' },
    ],
    readWrite: true,
  });
});

t.test('an unsupported target_session_attrs is refused', async (t) => {
  t.throws(() => parseHostList('postgres://h1,h2/db?target_session_attrs=standby'), /not supported/);
});
