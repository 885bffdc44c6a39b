/**
 * HTTP fuzzing with fast-check, bounded and deterministic: for every route of the authorization
 * matrix, requests with path parameters that are real ids, unknown uuids or garbage; random and
 * boundary bodies, query strings and headers; the admin's or a steward's token, a token the matrix
 * allows on the route, garbage, or none.
 * Whatever comes in: never a 5xx, every 4xx is problem+json with a kebab-case code under
 * https://agora-ledger.org/problems/, every answer is one openapi/openapi.json describes, no body
 * carries a stack trace, and afterwards the ledger
 * still verifies. A table of hand-picked boundary requests runs first, so every bug the fuzzer
 * found once stays pinned down by a plain request.
 *
 * Deterministic: FUZZ_SEED (printed) and FUZZ_RUNS (runs per route) replay a run exactly.
 */
import t from 'tap';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { ACCESS } from '../../src/http/access.js';
import { PROBLEM_BASE } from '../../src/http/problem.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { allowedByMatrix, buildAccessWorld, methodOf, requestFor, UNKNOWN_UUID, type AccessWorld, type Caller } from '../helpers/access-world.js';
import { documentValidator } from '../../scripts/lib/openapi-validator.js';
import { ACCEPTS, CONTENT_TYPES, garbageSegment, headerValue, mutatedBody, queryString, rawBody } from '../helpers/http-arbitraries.js';
import { expectJson, grant, makeCommunity, type TestCommunity } from '../helpers/community.js';
import { derivedTransferId } from '../../src/funding/transfer-id.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_214);
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const REPLAY = `FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npx tap test/integration/fuzz.test.ts`;

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const STACK_TRACE = /\bat [^\n]*\.(?:ts|js|mjs|cjs):\d+|node_modules/;

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

interface Violation {
  route: string;
  rule: string;
  status: number;
  detail: string;
  request: FuzzRequest;
}

/**
 * Bugs this file found in src/, now fixed: each keeps its own count and assertion, so a regression
 * names the bug it brings back.
 */
const SCHEMALESS_POSTS = new Set(['POST /v1/proposals/:proposalId/withdraw', 'POST /v1/cycles/:cycleId/recount', 'POST /v1/checkpoints']);
const KEYSET_LISTS = new Set(['GET /v1/communities/:communityId/statement', 'GET /v1/communities/:communityId/cycles', 'GET /v1/communities/:communityId/members']);
const KNOWN_BUGS = {
  'framework-errors': {
    todo: 'a malformed percent-encoding (400 FST_ERR_BAD_URL) or a path parameter over 100 characters (414 FST_ERR_MAX_PARAM_LENGTH) is answered by Fastify itself as application/json, not problem+json (src/http/app.ts sets no `frameworkErrors`)',
    // Fastify writes these itself with a bare `application/json` (a HEAD answer has no body to show the code).
    matches: (v: Violation) =>
      v.rule === 'not-problem-json' && (v.status === 400 || v.status === 414) && v.detail.startsWith('content-type application/json: ') && (/FST_ERR_(?:BAD_URL|MAX_PARAM_LENGTH)/.test(v.detail) || v.request.method === 'HEAD'),
  },
  'idempotency-raw-body': {
    todo: 'with an Idempotency-Key, routes without a body schema (withdraw, recount, checkpoints) canonicalize the raw body, which throws on 1e309 (Infinity) or deep nesting: 500 (src/http/idempotency.ts claimFor → canonicalJson)',
    matches: (v: Violation) => v.rule === '5xx' && SCHEMALESS_POSTS.has(v.route) && v.request.headers['idempotency-key'] !== undefined,
  },
  'forged-cursor': {
    todo: 'a cursor that decodes but holds a non-date, non-uuid or non-integer key reaches SQL or BigInt(): 500 instead of 400 invalid-cursor (src/db/budgeting.repository.ts listCycles, src/db/community.repository.ts listMembers, src/db/funding.repository.ts statement)',
    matches: (v: Violation) => v.rule === '5xx' && KEYSET_LISTS.has(v.route) && /[?&]cursor=/.test(v.request.url),
  },
  'equity-year-zero': {
    todo: '?from= or ?to= in year 0000 passes z.iso.datetime() but PostgreSQL refuses it in `::timestamptz`: 500 instead of 400 (src/db/funding.repository.ts receivedByCommunity)',
    matches: (v: Violation) => v.rule === '5xx' && v.route.startsWith('GET /v1/reports/equity') && /=0000-/.test(v.request.url),
  },
} as const;
type KnownBug = keyof typeof KNOWN_BUGS;

function knownBugOf(v: Violation): KnownBug | undefined {
  return (Object.keys(KNOWN_BUGS) as KnownBug[]).find((id) => KNOWN_BUGS[id].matches(v));
}

/** What is wrong with an answer, by the rules of SPEC §3 (empty: nothing). */
function inspect(request: FuzzRequest, res: LightMyRequestResponse): { rule: string; detail: string }[] {
  const found: { rule: string; detail: string }[] = [];
  const contentType = String(res.headers['content-type'] ?? '');
  if (res.statusCode >= 500) found.push({ rule: '5xx', detail: `${res.statusCode} ${res.body.slice(0, 200)}` });
  if (res.statusCode >= 400) {
    if (!contentType.startsWith('application/problem+json')) {
      found.push({ rule: 'not-problem-json', detail: `content-type ${contentType || '(none)'}: ${res.body.slice(0, 200)}` });
    } else if (request.method !== 'HEAD') {
      let body: { type?: unknown; code?: unknown; status?: unknown } = {};
      try {
        body = res.json() as typeof body;
      } catch {
        found.push({ rule: 'problem-not-json', detail: res.body.slice(0, 200) });
      }
      const code = typeof body.code === 'string' ? body.code : '';
      if (!KEBAB.test(code)) found.push({ rule: 'code-not-kebab-case', detail: `code ${JSON.stringify(body.code)}` });
      if (body.type !== `${PROBLEM_BASE}${code}`) found.push({ rule: 'type-not-problem-uri', detail: `type ${JSON.stringify(body.type)} for code ${code}` });
      if (body.status !== res.statusCode) found.push({ rule: 'status-mismatch', detail: `body status ${JSON.stringify(body.status)}, HTTP ${res.statusCode}` });
    }
  }
  // And it is an answer the OpenAPI document describes (status, content type, schema).
  for (const problem of documentValidator().check(request.method, request.url, res)) found.push({ rule: 'not-in-document', detail: problem });
  const stack = STACK_TRACE.exec(res.body);
  if (stack !== null) found.push({ rule: 'stack-trace', detail: res.body.slice(Math.max(0, stack.index - 80), stack.index + 80) });
  return found;
}

function send(api: TestApp, request: FuzzRequest): Promise<LightMyRequestResponse> {
  return api.app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, ...(request.payload === undefined ? {} : { payload: request.payload }) });
}

function describe(request: FuzzRequest): string {
  const body = request.payload === undefined ? '' : ` body=${JSON.stringify(String(request.payload).slice(0, 160))}`;
  return `${request.method} ${request.url.slice(0, 200)} headers=${JSON.stringify(request.headers).slice(0, 300)}${body}`;
}

/** Real ids for each path parameter name, in and beyond community A. */
function realIds(world: AccessWorld): Record<string, string[]> {
  return {
    communityId: [world.a.id, world.b.id],
    cycleId: Object.values(world.cycles),
    proposalId: Object.values(world.proposals),
    account: [
      `community:${world.a.id}`,
      `community:${world.b.id}`,
      'pool',
      `external:${world.funder.id}`,
      'external:import',
      `cycle:${world.cycles.implementation}`,
      `proposal:${world.proposals.selected}`,
      `spent:${world.proposals.selected}`,
      `community:${UNKNOWN_UUID}`,
      'community:not-a-uuid',
      'nonsense',
    ].map(encodeURIComponent),
    hash: [world.receiptHash, 'f'.repeat(64)],
    number: [String(world.checkpoint), '0', '999999999'],
    id: [UNKNOWN_UUID],
  };
}

/** `arbitrary` in `weight` runs out of `weight + absent`, else undefined. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>, weight: number, absent: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: absent, arbitrary: fc.constant(undefined) }, { weight, arbitrary });
}

/** Requests for one route: mostly one mistake away from the valid request of the matrix world. */
function requestArbitrary(world: AccessWorld, key: string, tokens: readonly string[], queryKeys: readonly string[]): fc.Arbitrary<FuzzRequest> {
  const method = methodOf(key);
  const template = key.slice(key.indexOf(' ') + 1);
  const steward: Caller = world.callers.find((c) => c.role === 'steward-a')!;
  const valid = requestFor(world, key, steward);
  if (valid === undefined) throw new Error(`no request for ${key} in test/helpers/access-world.ts`);
  const [validPath, validQuery = ''] = valid.url.split('?') as [string, string?];
  const validBody = typeof valid.body === 'object' && valid.body !== null ? (valid.body as Record<string, unknown>) : {};
  const validText = valid.body === undefined ? undefined : typeof valid.body === 'string' ? valid.body : JSON.stringify(valid.body);
  const ids = realIds(world);
  const names = [...template.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);

  const segment = (name: string) =>
    fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...(ids[name] ?? [UNKNOWN_UUID])) }, { weight: 1, arbitrary: fc.uuid() }, { weight: 2, arbitrary: garbageSegment });
  const path =
    names.length === 0 ? fc.constant(validPath) : fc.tuple(...names.map(segment)).map((values) => names.reduce((p, name, i) => p.replace(`:${name}`, values[i]!), template));
  const otherMethod = fc.constantFrom(...(method === 'GET' ? ['HEAD', 'OPTIONS', 'POST', 'DELETE'] : ['GET', 'PATCH', 'DELETE', 'OPTIONS']));

  return fc
    .record({
      method: fc.oneof({ weight: 9, arbitrary: fc.constant(method) }, { weight: 1, arbitrary: otherMethod }),
      path,
      query: fc.oneof(fc.constant(validQuery), fc.constant(''), queryString(queryKeys)),
      body: fc.oneof(
        // GET routes read no body: mostly none, so the query and path get through to the handler.
        { weight: method === 'GET' ? 16 : 1, arbitrary: fc.constant<string | Buffer | undefined>(undefined) },
        { weight: 3, arbitrary: fc.constant<string | Buffer | undefined>(validText) },
        { weight: 5, arbitrary: mutatedBody(validBody) },
        { weight: 2, arbitrary: rawBody },
      ),
      contentType: sometimes(fc.constantFrom(...CONTENT_TYPES), 1, 3),
      auth: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...tokens.map((token) => `Bearer ${token}`)) },
        { weight: 2, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: headerValue(100) },
        { weight: 1, arbitrary: headerValue(600).map((v) => `Bearer ${v}`) },
      ),
      idempotencyKey: sometimes(fc.oneof(fc.constantFrom('fuzz-key-1', 'fuzz-key-2'), headerValue(300)), 1, 2),
      accept: sometimes(fc.constantFrom(...ACCEPTS), 1, 3),
      requestId: sometimes(headerValue(60), 1, 3),
    })
    .map((r) => {
      const headers: Record<string, string> = {};
      if (r.auth !== undefined) headers.authorization = r.auth;
      if (r.idempotencyKey !== undefined) headers['idempotency-key'] = r.idempotencyKey;
      if (r.accept !== undefined) headers.accept = r.accept;
      if (r.requestId !== undefined) headers['x-request-id'] = r.requestId;
      if (r.body !== undefined) headers['content-type'] = r.contentType ?? valid.headers?.['content-type'] ?? 'application/json';
      const request: FuzzRequest = { method: r.method, url: r.query === '' ? r.path : `${r.path}?${r.query}`, headers };
      if (r.body !== undefined) request.payload = r.body;
      return request;
    });
}

/** The query parameters each route documents, from the OpenAPI document the app serves (key → names). */
async function documentedQueryKeys(api: TestApp): Promise<Map<string, string[]>> {
  type Operation = { parameters?: { in: string; name: string }[] };
  const doc = (await api.call('GET', '/openapi.json')).json() as { paths: Record<string, Record<string, Operation>> };
  const keys = new Map<string, string[]>();
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const names = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      keys.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, names);
    }
  }
  return keys;
}

/** Hand-picked boundary requests: [what, request, the known bug it shows (todo) if any]. */
function boundaryCases(world: AccessWorld): [string, FuzzRequest, KnownBug?][] {
  const a = world.a.id;
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const json = { ...admin, 'content-type': 'application/json' };
  const cursor = (key: unknown[]) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
  const get = (url: string, headers: Record<string, string> = admin): FuzzRequest => ({ method: 'GET', url, headers });
  const post = (url: string, payload: string | Buffer, headers: Record<string, string> = json): FuzzRequest => ({ method: 'POST', url, headers, payload });
  const community = (fields: string) => post('/v1/communities', `{"slug":"edge-case","name":"Edge"${fields}}`);
  return [
    ['statement: a cursor holding a word', get(`/v1/communities/${a}/statement?cursor=${cursor(['abc'])}`), 'forged-cursor'],
    ['statement: a cursor holding a fraction', get(`/v1/communities/${a}/statement?cursor=${cursor([1.5])}`), 'forged-cursor'],
    ['cycles: a cursor holding a non-date', get(`/v1/communities/${a}/cycles?cursor=${cursor(['not-a-date', 'x'])}`), 'forged-cursor'],
    ['cycles: a cursor holding a non-uuid', get(`/v1/communities/${a}/cycles?cursor=${cursor(['2026-01-01T00:00:00.000Z', 'x'])}`), 'forged-cursor'],
    ['members: a cursor holding a non-date', get(`/v1/communities/${a}/members?cursor=${cursor(['not-a-date', 'x'])}`), 'forged-cursor'],
    ['members: a cursor holding a non-uuid', get(`/v1/communities/${a}/members?cursor=${cursor(['2026-01-01T00:00:00.000Z', 'not-a-uuid'])}`), 'forged-cursor'],
    ['communities: a cursor holding a number', get(`/v1/communities?cursor=${cursor([5])}`)],
    ['voters: a cursor holding a number', get(`/v1/cycles/${world.cycles.implementation}/voters?cursor=${cursor([5])}`, { authorization: `Bearer ${world.networkAuditor.token}` })],
    ['a cursor that is not base64url JSON', get(`/v1/communities/${a}/statement?cursor=%F0%9F%99%82`)],
    ['equity from year 0000', get('/v1/reports/equity?from=0000-01-01T00:00:00Z'), 'equity-year-zero'],
    ['equity.svg to year 0000', get('/v1/reports/equity.svg?to=0000-01-01T00:00:00Z'), 'equity-year-zero'],
    ['equity to year 9999', get('/v1/reports/equity?to=9999-12-31T23:59:59Z')],
    ['equity on 30 February', get('/v1/reports/equity?from=2026-02-30T00:00:00Z')],
    ['withdraw with a key and 1e309 in the (schemaless) body', post(`/v1/proposals/${world.proposals.rejected}/withdraw`, '{"a":1e309}', { authorization: `Bearer ${world.a.members[0]!.token}`, 'content-type': 'application/json', 'idempotency-key': 'edge-inf' }), 'idempotency-raw-body'],
    ['recount with a key and 5000-deep nesting', post(`/v1/cycles/${world.cycles.implementation}/recount`, `${'['.repeat(5000)}${']'.repeat(5000)}`, { ...json, 'idempotency-key': 'edge-deep' }), 'idempotency-raw-body'],
    ['recount with 5000-deep nesting, no key', post(`/v1/cycles/${world.cycles.implementation}/recount`, `${'['.repeat(5000)}${']'.repeat(5000)}`)],
    ['recount with a key and 1e309 in the body', post(`/v1/cycles/${world.cycles.implementation}/recount`, '{"a":1e309}', { ...json, 'idempotency-key': 'edge-inf-3' }), 'idempotency-raw-body'],
    ['checkpoint with a key and 1e309 in the body', post('/v1/checkpoints', '{"a":1e309}', { ...json, 'idempotency-key': 'edge-inf-2' }), 'idempotency-raw-body'],
    ['a truncated percent-encoding in the path', get('/v1/cycles/%E0%A4%A'), 'framework-errors'],
    ['a lone % in the path', get('/v1/cycles/%'), 'framework-errors'],
    ['an overlong UTF-8 sequence in the path', get('/v1/communities/%C0%AF'), 'framework-errors'],
    ['a 101-character path parameter', get(`/v1/communities/${'a'.repeat(101)}`), 'framework-errors'],
    ['learners: 1e309', community(',"learners":1e309')],
    ['learners: -0', community(',"learners":-0')],
    ['needsIndex: "NaN"', community(',"needsIndex":"NaN"')],
    ['needsIndex: 1e-400', community(',"needsIndex":1e-400')],
    ['body: -0', post('/v1/communities', '-0')],
    ['body: 5000-deep nesting', post('/v1/communities', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`)],
    ['body: 300 KiB', post('/v1/communities', `{"slug":"big","name":"${'x'.repeat(300 * 1024)}"}`)],
    ['body: invalid UTF-8', post('/v1/communities', Buffer.from([0x7b, 0x22, 0x73, 0x6c, 0x75, 0x67, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]))],
    ['body: a byte-order mark', post('/v1/communities', '\ufeff{"slug":"bom","name":"BOM"}')],
    ['body: __proto__', post('/v1/communities', '{"__proto__":{"polluted":true},"slug":"proto","name":"Proto"}')],
    ['body: empty with a JSON content type', post('/v1/communities', '')],
    ['body: JSON sent as text/plain', post('/v1/communities', '{"slug":"text","name":"Text"}', { ...admin, 'content-type': 'text/plain' })],
    ['amount: "NaN"', post('/v1/transfers', JSON.stringify({ transferId: 'edge-nan', from: `external:${world.funder.id}`, to: `community:${a}`, amount: 'NaN', currency: 'EUR' }))],
    ['amount: 18 nines', post('/v1/transfers', JSON.stringify({ transferId: 'edge-max', from: `external:${world.funder.id}`, to: `community:${a}`, amount: '9'.repeat(18), currency: 'EUR' }))],
    ['ballot points: 1e309', { method: 'PUT', url: `/v1/cycles/${world.cycles.voting}/ballot`, headers: { authorization: `Bearer ${world.a.members[0]!.token}`, 'content-type': 'application/json' }, payload: `{"points":{"${world.proposals.onBallot}":1e309}}` }],
    ['inclusion size beyond 2^53', get(`/v1/proofs/inclusion?entry=${world.receiptHash}&size=9007199254740993`)],
    ['consistency to = MAX_SAFE_INTEGER', get(`/v1/proofs/consistency?stream=community:${a}&from=1&to=9007199254740991`)],
    ['checkpoint number -0', get('/v1/checkpoints/-0')],
    ['verify a stream id of dashes', get(`/v1/ledger/export?stream=community:${'-'.repeat(36)}`)],
    ['an account of dashes', get(`/v1/accounts/community:${'-'.repeat(36)}`)],
    ['a 600-character bearer token', get('/v1/me', { authorization: `Bearer ${'a'.repeat(600)}` })],
    ['a 256-character Idempotency-Key', post('/v1/funders', '{"name":"Edge"}', { ...json, 'idempotency-key': 'k'.repeat(256) })],
    ['Accept: application/xml on the equity report', get('/v1/reports/equity', { ...admin, accept: 'application/xml' })],
  ];
}

t.test('fuzzing every route', async (t) => {
  t.comment(`fuzz seed ${SEED}, ${RUNS} runs per route (replay: ${REPLAY})`);
  const api = await startTestApp(t, 'pglite');
  const world = await buildAccessWorld(api);

  await t.test('boundary requests', async (t) => {
    for (const [what, request, bug] of boundaryCases(world)) {
      const res = await send(api, request);
      const found = inspect(request, res);
      t.same(found, [], `${what}: ${res.statusCode} ${res.body.slice(0, 120)}${bug === undefined ? '' : ` (regression of: ${KNOWN_BUGS[bug].todo})`}`);
    }
  });

  await t.test(`random requests to every route (seed ${SEED})`, async (t) => {
    // Tokens: the admin's, A's steward's, and every token the matrix lets through on the route, so most requests reach the handler.
    const tokensFor = (key: string) => [
      ...new Set([ADMIN_TOKEN, world.a.steward.token, ...world.callers.filter((c) => c.token !== undefined && allowedByMatrix(ACCESS[key]!, c, world)).map((c) => c.token!)]),
    ];
    const queryKeys = await documentedQueryKeys(api);
    t.ok(queryKeys.get('GET /v1/communities/:communityId/statement')?.includes('cursor'), 'query keys come from the OpenAPI document');
    const violations: Violation[] = [];
    // Routes that end a caller's access (rotation, deactivation) go last, so they do not starve the others of live tokens.
    const endsAccess = (key: string) => Number(key === 'POST /v1/me/token' || key.startsWith('DELETE /v1/members/') || key.startsWith('DELETE /v1/funders/') || key.startsWith('DELETE /v1/auditors/'));
    const keys = Object.keys(ACCESS).sort((x, y) => endsAccess(x) - endsAccess(y) || (x < y ? -1 : x > y ? 1 : 0));
    let sent = 0;
    for (const [index, key] of keys.entries()) {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(requestArbitrary(world, key, tokensFor(key), queryKeys.get(key) ?? []), async (request) => {
          let res: LightMyRequestResponse;
          try {
            res = await send(api, request);
          } catch (err) {
            // light-my-request refused to build the request (a client-side check): nothing reached the app.
            t.comment(`${key}: not sent, ${String(err)}: ${describe(request)}`);
            return;
          }
          sent += 1;
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          for (const v of inspect(request, res)) violations.push({ route: key, ...v, status: res.statusCode, request });
        }),
        { seed: SEED + index, numRuns: RUNS, endOnFailure: true },
      );
      t.comment(`${key}: ${[...statuses].sort((x, y) => x[0] - y[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    }
    t.ok(sent >= keys.length * RUNS * 0.9, `${sent} requests to ${keys.length} routes`);

    const unknown = new Map<string, Violation[]>();
    const known = new Map<KnownBug, Violation[]>();
    for (const v of violations) {
      const bug = knownBugOf(v);
      if (bug !== undefined) known.set(bug, [...(known.get(bug) ?? []), v]);
      else {
        const signature = `${v.route} | ${v.rule} | ${v.status}`;
        unknown.set(signature, [...(unknown.get(signature) ?? []), v]);
      }
    }
    for (const id of Object.keys(KNOWN_BUGS) as KnownBug[]) {
      const seen = known.get(id) ?? [];
      if (seen[0] !== undefined) t.comment(`${id}: ${seen.length}× in this run, e.g. ${seen[0].status} for ${describe(seen[0].request)}`);
      t.equal(seen.length, 0, `no ${id} violations (a regression of: ${KNOWN_BUGS[id].todo})`);
    }
    for (const [signature, list] of unknown) t.comment(`VIOLATION ${signature} ×${list.length}: ${list[0]!.detail}\n  e.g. ${describe(list[0]!.request)}`);
    t.same([...unknown.keys()], [], `no other violations (seed ${SEED}; replay: ${REPLAY})`);
  });

  t.equal((Object.prototype as Record<string, unknown>).polluted, undefined, 'no __proto__ body polluted Object.prototype');
  const verify = await api.call('GET', '/v1/ledger/verify', { token: ADMIN_TOKEN });
  t.equal(verify.statusCode, 200);
  t.match(verify.json(), { ok: true, problems: [] }, 'the ledger still verifies after the fuzzing');
});

/** A cycle of `budget` in voting with one accepted proposal of `cost` that every member approves. */
async function cycleInVoting(api: TestApp, c: TestCommunity, budget: string, cost: string): Promise<{ id: string; proposal: string }> {
  const cycle = await expectJson<{ id: string }>(
    await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'Squat', budget, currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy' } }),
    201,
  );
  const proposal = (await expectJson<{ id: string }>(await api.call('POST', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token, body: { title: 'Squat', cost } }), 201)).id;
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'review' } }), 200);
  await expectJson(await api.call('POST', `/v1/proposals/${proposal}/review`, { token: c.steward.token, body: { decision: 'accept' } }), 200);
  await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'voting' } }), 200);
  for (const m of c.members) await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: m.token, body: { approvals: [proposal] } }), 200);
  return { id: cycle.id, proposal };
}

/**
 * Issue 9.1: two principals of each kind (funders F and G; the stewards of communities A and B)
 * share a small pool of transfer ids, including the ids the service will derive for a pending
 * tally. Each request is checked against a model where ids are scoped to their owner: a principal's
 * own id replays (same content) or is refused with its differing fields; another principal's use of
 * the same id is either its own new transfer or, on accounts that are not its own, a 403 that says
 * nothing about the first transfer; `service:` ids are always 422. Afterwards the tally still closes.
 */
t.test('a second principal replays and squats the ids of the first', async (t) => {
  const api = await startTestApp(t, 'pglite');
  const a = await makeCommunity(api, 'squat-a', 1);
  const b = await makeCommunity(api, 'squat-b', 1);
  const f = await grant(api, `community:${a.id}`, '1000000');
  const g = await grant(api, `community:${b.id}`, '1000000');
  const funded = async (c: TestCommunity) => {
    const cycle = await cycleInVoting(api, c, '100000', '100000');
    await expectJson(await api.call('POST', `/v1/cycles/${cycle.id}/phase`, { token: c.steward.token, body: { phase: 'closed' } }), 200);
    return cycle.proposal;
  };
  const proposalOf = { a: await funded(a), b: await funded(b) };
  const pending = await cycleInVoting(api, a, '50000', '20000');
  const ids = [
    'shared-1',
    'shared-2',
    `grant-${f.funderId}`,
    derivedTransferId('tally-allocation', pending.id, pending.proposal),
    derivedTransferId('tally-return', pending.id),
    derivedTransferId('tally-allocation', pending.id, pending.proposal).slice('service:tally-allocation:'.length),
    'Service:tally-return',
  ];
  type Who = 'f' | 'g' | 'sa' | 'sb';
  const principals: Record<Who, { token: string; owner: string }> = {
    f: { token: f.token, owner: `funder:${f.funderId}` },
    g: { token: g.token, owner: `funder:${g.funderId}` },
    sa: { token: a.steward.token, owner: `member:${a.steward.id}` },
    sb: { token: b.steward.token, owner: `member:${b.steward.id}` },
  };
  /** The body a principal sends: on its own accounts, or (`foreign`) on the other principal's of its kind. */
  const bodyFor = (who: Who, foreign: boolean, transferId: string, amount: number) => {
    const funderId = (who === 'f') !== foreign ? f.funderId : g.funderId;
    const side = (who === 'sa') !== foreign ? 'a' : 'b';
    return who === 'f' || who === 'g'
      ? { transferId, from: `external:${funderId}`, to: `community:${(who === 'f') !== foreign ? a.id : b.id}`, amount: String(amount), currency: 'EUR' }
      : { transferId, from: `proposal:${proposalOf[side]}`, to: `community:${side === 'a' ? a.id : b.id}`, amount: String(amount), currency: 'EUR' };
  };
  const recorded = new Map<string, string>(); // `${owner} ${transferId}` → canonical body
  recorded.set(`${principals.f.owner} grant-${f.funderId}`, JSON.stringify(bodyFor('f', false, `grant-${f.funderId}`, 1000000)));
  const step = fc.record({ who: fc.constantFrom<Who>('f', 'g', 'sa', 'sb'), foreign: fc.boolean(), id: fc.constantFrom(...ids), amount: fc.integer({ min: 1, max: 3 }) });
  let requests = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
      for (const { who, foreign, id, amount } of steps) {
        const body = bodyFor(who, foreign, id, amount);
        const res = await api.call('POST', '/v1/transfers', { token: principals[who].token, body });
        requests += 1;
        const answer = res.json() as { code?: string; replayed?: boolean; fields?: string[]; detail?: string };
        const key = `${principals[who].owner} ${id}`;
        const mine = recorded.get(key);
        const expected = id.toLowerCase().startsWith('service:')
          ? '422 reserved-transfer-id'
          : foreign
            ? '403'
            : mine === undefined
              ? '201 new'
              : mine === JSON.stringify(body)
                ? '201 replayed'
                : '422 exists-with-different-fields';
        const got = res.statusCode === 201 ? `201 ${answer.replayed === true ? 'replayed' : 'new'}` : res.statusCode === 403 ? '403' : `${res.statusCode} ${answer.code ?? ''}`;
        // A steward's request on another community's accounts is refused by the access guard before its id is read.
        const alsoFine = foreign && expected === '422 reserved-transfer-id' ? '403' : expected;
        if (got !== expected && got !== alsoFine) throw new Error(`${who} ${foreign ? 'on foreign accounts ' : ''}sent ${JSON.stringify(body)}: expected ${expected}, got ${res.statusCode} ${res.body}`);
        if (res.statusCode === 403 && (answer.fields !== undefined || /already recorded/.test(answer.detail ?? ''))) throw new Error(`a 403 revealed the first transfer: ${res.body}`);
        if (got === '201 new') recorded.set(key, JSON.stringify(body));
      }
    }),
    { seed: SEED, numRuns: 25 },
  );
  t.ok(requests >= 25, `${requests} requests by four principals over ${ids.length} shared ids`);
  const closed = await api.call('POST', `/v1/cycles/${pending.id}/phase`, { token: a.steward.token, body: { phase: 'closed' } });
  t.equal(closed.statusCode, 200, 'the squatted tally still closes');
  const allocated = await expectJson<{ balance: string }>(await api.call('GET', `/v1/accounts/proposal:${pending.proposal}`, { token: ADMIN_TOKEN }), 200);
  t.equal(allocated.balance, '20000');
  t.match((await api.call('GET', '/v1/ledger/verify', { token: ADMIN_TOKEN })).json(), { ok: true, problems: [] });
});
