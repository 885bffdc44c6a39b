/**
 * libpq-style multi-host URLs for node-postgres, which takes one host only:
 *   postgres://user:pw@10.0.0.1:5432,10.0.0.2:5432/agora?target_session_attrs=read-write
 * Each new connection tries the hosts in order, starting with the last one that worked, and with
 * `target_session_attrs=read-write` skips a server in recovery (a standby): after a failover the
 * pool's next connection finds the promoted primary by itself. Each candidate is probed with a
 * short-lived connection before the real one connects to it (pool connections are long-lived, so
 * this costs one extra connection per pool connection, and only with several hosts).
 */
import pg from 'pg';

export interface HostList {
  /** The URL with the first host only (what node-postgres parses). */
  baseUrl: string;
  /** Each host with the one-host URL that reaches it. */
  hosts: { host: string; port: number; url: string }[];
  readWrite: boolean;
}

const URL_PARTS = /^(postgres(?:ql)?:\/\/)([^@/?#]*@)?([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/;

/** Undefined for an ordinary one-host URL without target_session_attrs. */
export function parseHostList(url: string): HostList | undefined {
  const match = URL_PARTS.exec(url);
  if (match === null) return undefined;
  const [, scheme = '', auth = '', hostPart = '', path = '', query = ''] = match;
  const params = new URLSearchParams(query.slice(1));
  const attrs = params.get('target_session_attrs');
  if (!hostPart.includes(',') && attrs === null) return undefined;
  if (attrs !== null && attrs !== 'read-write' && attrs !== 'any') throw new Error(`target_session_attrs=${attrs} is not supported (read-write or any)`);
  params.delete('target_session_attrs');
  const rest = params.toString();
  const urlOf = (h: string) => `${scheme}${auth}${h}${path}${rest === '' ? '' : `?${rest}`}`;
  const hosts = hostPart.split(',').map((h) => {
    const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(h);
    const [host, port] = bracket !== null ? [bracket[1] ?? '', bracket[2]] : [h.replace(/:\d+$/, ''), /:(\d+)$/.exec(h)?.[1]];
    return { host, port: port === undefined ? 5432 : Number(port), url: urlOf(h) };
  });
  const first = hosts[0];
  if (first === undefined || first.host === '') throw new Error('the database URL names no host');
  return { baseUrl: first.url, hosts, readWrite: attrs === 'read-write' };
}

/** A pg.Client class for `pg.Pool({ Client })` that connects to the first suitable host of the list. */
export function multiHostClient(list: HostList): typeof pg.Client {
  let preferred = 0;
  return class MultiHostClient extends pg.Client {
    override connect(): Promise<pg.Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): void;
    override connect(callback?: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): Promise<pg.Client> | void {
      const done = this.pickHost().then(() => super.connect());
      if (callback === undefined) return done;
      const cb = callback as (err: Error | null, c?: pg.Client) => void;
      done.then(
        () => cb(null, this),
        (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
      );
    }

    private async pickHost(): Promise<void> {
      const failures: string[] = [];
      for (let i = 0; i < list.hosts.length; i += 1) {
        const index = (preferred + i) % list.hosts.length;
        const candidate = list.hosts[index]!;
        const probe = new pg.Client({ connectionString: candidate.url, connectionTimeoutMillis: 5000 });
        try {
          await probe.connect();
          if (list.readWrite) {
            const { rows } = await probe.query<{ standby: boolean }>('select pg_is_in_recovery() as standby');
            if (rows[0]?.standby !== false) {
              failures.push(`${candidate.host}:${candidate.port} is a standby`);
              continue;
            }
          }
          preferred = index;
          this.host = candidate.host;
          this.port = candidate.port;
          return;
        } catch (err) {
          failures.push(`${candidate.host}:${candidate.port}: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          await probe.end().catch(() => undefined);
        }
      }
      throw new Error(`no ${list.readWrite ? 'read-write ' : ''}server among the database hosts (${failures.join('; ')})`);
    }
  };
}
