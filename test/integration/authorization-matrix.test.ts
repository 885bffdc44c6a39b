/**
 * The authorization matrix, walked: every route the app registers × every kind of caller, each
 * request pointing at community A's resources. The expected answer is derived from `ACCESS`
 * (src/http/access.ts): its allow list, and its scope (community grants count only when the
 * resource is the caller's community). So this fails when the code and the table disagree: a
 * guard removed, a grant widened, a route added without an entry or an entry without a route.
 * The route × role table is printed as comments (markdown, for the README).
 *
 * PGlite only: authorization does not depend on the database.
 */
import t, { type Test } from 'tap';
import Fastify, { type FastifyInstance } from 'fastify';
import type { LightMyRequestResponse } from 'fastify';
import { ACCESS } from '../../src/http/access.js';
import { registerAuth } from '../../src/http/auth.js';
import { buildApp } from '../../src/http/app.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { allowedByMatrix, buildAccessWorld, methodOf, requestFor, type Caller, type RouteRequest } from '../helpers/access-world.js';
import { collectRoutes, withFastifyInit } from '../helpers/fastify-init.js';


function send(api: TestApp, method: string, request: RouteRequest, caller: Caller): Promise<LightMyRequestResponse> {
  const headers = { ...(caller.headers ?? {}), ...(request.headers ?? {}) };
  return api.call(method, request.url, { token: caller.token, body: request.body, headers });
}

function codeOf(res: LightMyRequestResponse): string | undefined {
  if (!String(res.headers['content-type'] ?? '').startsWith('application/problem+json')) return undefined;
  try {
    return (res.json() as { code?: string }).code;
  } catch {
    return undefined;
  }
}

/**
 * Asserts one cell. Denied: 401 `unauthenticated` without a token, else 403 `forbidden` (the
 * guard's answer, not a business rule's). Allowed: anything but 401, 403 or a 5xx.
 */
function checkCell(t: Test, label: string, res: LightMyRequestResponse, allowed: boolean, caller: Caller, options: { head?: boolean; todo?: string } = {}): boolean {
  const extra = options.todo === undefined ? {} : { todo: options.todo };
  if (allowed) {
    const ok = res.statusCode !== 401 && res.statusCode !== 403 && res.statusCode < 500;
    t.ok(ok, `${label}: allowed, got ${res.statusCode} ${codeOf(res) ?? ''}`.trim(), extra);
    return ok;
  }
  const [status, code] = caller.kind === 'public' ? [401, 'unauthenticated'] : [403, 'forbidden'];
  const got = codeOf(res);
  // A HEAD answer has no body: its status is all there is to check.
  const ok = res.statusCode === status && (options.head === true || got === code);
  t.ok(ok, `${label}: denied (${status} ${code}), got ${res.statusCode} ${got ?? ''}`.trim(), extra);
  return ok;
}

function printTable(t: Test, title: string, callers: readonly Caller[], rows: { key: string; cells: string[] }[]): void {
  t.comment(title);
  t.comment(`| route | ${callers.map((c) => c.role).join(' | ')} |`);
  t.comment(`| --- | ${callers.map(() => '---').join(' | ')} |`);
  for (const row of rows) t.comment(`| \`${row.key}\` | ${row.cells.join(' | ')} |`);
  t.comment('(status per caller; `!` marks a cell that disagrees with ACCESS)');
}

t.test('authorization matrix', async (t) => {
  const { result: api, routes } = await collectRoutes(() => startTestApp(t, 'pglite'));
  const world = await buildAccessWorld(api);
  const keys = Object.keys(ACCESS).sort();

  t.test('the registered /v1 routes are exactly the matrix keys', async (t) => {
    const registered = new Set(routes.filter((r) => !r.startsWith('HEAD ')));
    const v1 = [...registered].filter((r) => r.split(' ')[1]?.startsWith('/v1/')).sort();
    t.same(v1, keys.filter((k) => k.split(' ')[1]?.startsWith('/v1/')), 'no route without an entry, no entry without a route');
    for (const key of keys) t.ok(registered.has(key), `${key} is registered`);
    t.ok(v1.length >= 40, `a real app was observed (${v1.length} /v1 routes)`);
  });

  t.test('every matrix key has a request in the test world', async (t) => {
    const missing = keys.filter((key) => requestFor(world, key, world.callers[0]!) === undefined);
    t.same(missing, [], 'add the new route to ROUTE_REQUESTS in test/helpers/access-world.ts');
  });

  t.test('route × role', async (t) => {
    const rows: { key: string; cells: string[] }[] = [];
    for (const key of keys) {
      const access = ACCESS[key]!;
      const cells: string[] = [];
      for (const caller of world.callers) {
        const request = requestFor(world, key, caller);
        if (request === undefined) {
          cells.push('?');
          continue;
        }
        const res = await send(api, methodOf(key), request, caller);
        const ok = checkCell(t, `${key} as ${caller.role}`, res, allowedByMatrix(access, caller, world), caller);
        cells.push(`${res.statusCode}${ok ? '' : '!'}`);
      }
      rows.push({ key, cells });
    }
    printTable(t, 'Authorization matrix (each request points at community A):', world.callers, rows);
  });

  // Regression: HEAD once skipped the guard (Fastify copies GET's options for HEAD before onRoute hooks run).
  t.test('HEAD answers like GET (Fastify registers a HEAD route for every GET route)', async (t) => {
    const headRoutes = new Set(routes.filter((r) => r.startsWith('HEAD ')).map((r) => `GET ${r.slice('HEAD '.length)}`));
    const rows: { key: string; cells: string[] }[] = [];
    for (const key of keys.filter((k) => methodOf(k) === 'GET' && headRoutes.has(k))) {
      const access = ACCESS[key]!;
      const cells: string[] = [];
      for (const caller of world.callers) {
        const request = requestFor(world, key, caller)!;
        const res = await send(api, 'HEAD', request, caller);
        const allowed = allowedByMatrix(access, caller, world);
        const ok = checkCell(t, `HEAD ${key.slice(4)} as ${caller.role}`, res, allowed, caller, { head: true });
        cells.push(`${res.statusCode}${ok ? '' : '!'}`);
      }
      rows.push({ key: `HEAD ${key.slice(4)}`, cells });
    }
    printTable(t, 'HEAD requests:', world.callers, rows);
  });

  // Regression: the guard once ran after validation, so a refused caller saw a 400 listing the schema.
  t.test('a caller without a grant is refused before its request is validated', async (t) => {
    // An invalid body (POST/PUT) or query (GET): the answer must still be 401/403, not 400.
    for (const key of keys) {
      const access = ACCESS[key]!;
      if (access.allow.includes('public')) continue;
      const method = methodOf(key);
      for (const caller of world.callers) {
        if (allowedByMatrix(access, caller, world)) continue;
        const valid = requestFor(world, key, caller)!;
        const path = valid.url.split('?')[0]!;
        const invalid: RouteRequest =
          method === 'GET'
            ? { url: `${path}?limit=0&format=nope&stream=nope&from=nope&entry=nope` }
            : key === 'POST /v1/imports/pabulib'
              ? { url: `${path}?rule=nope`, body: 'x', headers: { 'content-type': 'text/plain' } }
              : { url: path, body: { unexpected: true } };
        const res = await send(api, method, invalid, caller);
        checkCell(t, `${key} as ${caller.role} with an invalid request`, res, false, caller, {});
      }
    }
  });

  t.test('a route without a matrix entry refuses to start', async (t) => {
    await t.test('registerAuth rejects it at registration', async (t) => {
      const app = Fastify();
      registerAuth(app, { access: api.services.access, adminToken: ADMIN_TOKEN });
      t.throws(() => app.get('/v1/not-in-the-matrix', async () => ({})), /GET \/v1\/not-in-the-matrix has no entry in the authorization matrix/);
      t.throws(() => app.delete('/v1/communities/:communityId', async () => ({})), /DELETE \/v1\/communities\/:communityId has no entry/, 'a known path with another method');
      t.doesNotThrow(() => app.get('/not-versioned', async () => ({})), 'routes outside /v1 (docs) need no entry');
      await app.close();
    });

    // The real factory: a route added inside one of its route plugins (after auth is registered).
    const buildWithExtraRoute = (url: string) => {
      const instances: FastifyInstance[] = [];
      let added = false;
      const build = withFastifyInit(
        (app) => {
          instances.push(app);
          app.addHook('onRegister', (child, options) => {
            if (added || typeof options !== 'object' || options === null || !('services' in options)) return; // only our route plugins get RouteDeps
            added = true;
            child.get(url, async () => ({ ok: true }));
          });
        },
        () => buildApp({ services: api.services, adminToken: ADMIN_TOKEN }),
      );
      return { build, instances, wasAdded: () => added };
    };

    await t.test('buildApp throws when a route plugin adds a /v1 route without an entry', async (t) => {
      const { build, instances, wasAdded } = buildWithExtraRoute('/v1/not-in-the-matrix');
      await t.rejects(build, /GET \/v1\/not-in-the-matrix has no entry in the authorization matrix/);
      t.ok(wasAdded(), 'the extra route was registered inside a route plugin');
      for (const app of instances) await app.close().catch(() => undefined);
    });

    await t.test('control: the same injection outside /v1 builds, so the refusal above is the matrix check', async (t) => {
      const { build, instances, wasAdded } = buildWithExtraRoute('/not-versioned');
      const app = await build;
      t.ok(wasAdded());
      t.equal((await app.inject({ method: 'GET', url: '/not-versioned' })).statusCode, 200);
      for (const instance of instances) await instance.close();
    });
  });
});
