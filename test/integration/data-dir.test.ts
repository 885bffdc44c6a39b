/**
 * The embedded database is private (issue 9 item 9): after a real start on PGlite, some writes and
 * a stop, DATA_DIR and everything under it are 0700 (directories) or 0600 (files) — including
 * files an older version left readable, which the start tightens.
 *
 * PGlite only by nature: DATA_DIR is the embedded database's directory; PostgreSQL keeps its own.
 */
import t from 'tap';
import { mkdirSync, mkdtempSync, readdirSync, lstatSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startService } from '../../scripts/lib/service-process.js';

const ADMIN = 'agl_admin_test_token_0123456789';

function modes(root: string): { path: string; kind: 'dir' | 'file'; mode: number }[] {
  const found: { path: string; kind: 'dir' | 'file'; mode: number }[] = [];
  const walk = (path: string): void => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    found.push({ path: relative(root, path) || '.', kind: stat.isDirectory() ? 'dir' : 'file', mode: stat.mode & 0o777 });
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(root);
  return found;
}

t.test('DATA_DIR is 0700 and every file in it 0600 after a real start', async (t) => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'agora-modes-')), 'data');
  // What an older version (or a careless copy) left: readable by everyone.
  mkdirSync(join(dataDir, 'old'), { recursive: true, mode: 0o755 });
  chmodSync(dataDir, 0o755);
  writeFileSync(join(dataDir, 'old', 'notes.txt'), 'left behind', { mode: 0o644 });

  const service = await startService({ databaseUrl: undefined, dataDir, adminToken: ADMIN, env: { ADMIN_TOKEN: '' }, readyTimeoutMs: 180_000 });
  const token = /agl_admin_[A-Za-z0-9_-]+/.exec(service.output())?.[0];
  t.ok(token, 'the generated admin token was printed');
  const res = await fetch(`${service.baseUrl}/v1/communities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'modes-1' },
    body: JSON.stringify({ slug: 'modes', name: 'Modes', learners: 10 }),
  });
  t.equal(res.status, 201, 'a write went through the database', { status: res.status, body: await res.text() });
  const exit = await service.stop();
  t.equal(exit.code, 0, 'stopped cleanly');

  const all = modes(dataDir);
  t.ok(all.some((m) => m.path === 'pgdata' && m.kind === 'dir'), 'the embedded database is there');
  t.ok(all.some((m) => m.path === 'admin-token'), 'and the generated admin token');
  t.ok(all.filter((m) => m.kind === 'file').length > 20, 'many files were checked', { files: all.length });
  const loose = all.filter((m) => m.mode !== (m.kind === 'dir' ? 0o700 : 0o600)).map((m) => `${m.path} ${m.mode.toString(8)}`);
  t.same(loose, [], 'no directory other than 0700, no file other than 0600');
});
