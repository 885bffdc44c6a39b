/**
 * The OpenAPI document is complete and true by construction (src/http/openapi.ts): every `$ref`
 * resolves, every operation has a unique operationId, security follows the access matrix, errors
 * are problem+json, and the routes that answer something other than JSON say what. And the
 * response validator the integration tests use does catch a response the document does not allow.
 */
import t from 'tap';
import { generateOpenApiDocument } from '../../scripts/lib/openapi-document.js';
import { ACCESS } from '../../src/http/access.js';
import { operationIdFromSummary } from '../../src/http/openapi.js';
import { OpenApiValidator } from '../../scripts/lib/openapi-validator.js';

type Json = Record<string, unknown>;

const document = JSON.parse(await generateOpenApiDocument()) as Json;
const paths = document.paths as Record<string, Record<string, Json>>;
const components = document.components as Record<string, Json>;

function resolve(ref: string): Json {
  let node: unknown = document;
  for (const part of ref.slice(2).split('/')) node = (node as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  if (node === undefined) throw new Error(`unresolved ${ref}`);
  return node as Json;
}

function response(method: string, path: string, status: number): Json {
  const r = (paths[path]?.[method]?.responses as Record<string, Json> | undefined)?.[String(status)];
  if (r === undefined) throw new Error(`${method} ${path} documents no ${status}`);
  return typeof r.$ref === 'string' ? resolve(r.$ref) : r;
}

function mediaTypes(method: string, path: string, status: number): string[] {
  return Object.keys((response(method, path, status).content ?? {}) as Json);
}

/** `/v1/cycles/:cycleId` → `/v1/cycles/{cycleId}` */
const openapiPath = (url: string): string => url.replace(/:([A-Za-z]+)/g, '{$1}');

t.test('every $ref resolves, and every component schema is used', async (t) => {
  const refs = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string') refs.add(x);
        else walk(x);
      }
    }
  };
  walk(document);
  t.ok(refs.size > 20, `${refs.size} distinct references`);
  for (const ref of refs) t.doesNotThrow(() => resolve(ref), ref);
  const schemas = Object.keys(components.schemas ?? {});
  t.ok(schemas.includes('Problem') && schemas.includes('Session') && schemas.includes('Community'));
  for (const name of schemas) t.ok(refs.has(`#/components/schemas/${name}`), `${name} is referenced`);
});

t.test('every operation has a unique operationId and the security its access row says', async (t) => {
  const seen = new Set<string>();
  for (const [key, access] of Object.entries(ACCESS)) {
    const [method, url] = key.split(' ') as [string, string];
    const operation = paths[openapiPath(url)]?.[method.toLowerCase()];
    if (operation === undefined) {
      t.fail(`${key} is not in the document`);
      continue;
    }
    const id = typeof operation.operationId === 'string' ? operation.operationId : '';
    t.match(id, /^[a-z][A-Za-z0-9]*$/, `${key}: operationId ${id}`);
    t.notOk(seen.has(id), `${id} is unique`);
    seen.add(id);
    if (access.allow.includes('public')) t.same(operation.security, [], `${key} is public: security []`);
    else if (access.allow.length === 1 && access.allow[0] === 'session') t.same(operation.security, [{ session: [] }], `${key}: the session cookie`);
    else t.equal(operation.security, undefined, `${key}: the default (a bearer token or the session cookie)`);
  }
  t.same(document.security, [{ bearer: [] }, { session: [] }]);
});

t.test('every error answer is problem+json, and the derived ones are there', async (t) => {
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const key = `${method.toUpperCase()} ${path.replace(/\{([A-Za-z]+)\}/g, ':$1')}`;
      const access = ACCESS[key]!;
      for (const status of Object.keys(operation.responses as Json).filter((s) => Number(s) >= 400)) {
        t.same(mediaTypes(method, path, Number(status)), ['application/problem+json'], `${key} ${status}`);
      }
      const has = (status: number): boolean => (operation.responses as Json)[String(status)] !== undefined;
      t.ok(has(400) && has(401) && has(429), `${key}: 400, 401, 429`);
      t.equal(has(403), !access.allow.includes('public'), `${key}: 403 exactly when not public`);
      if (path.includes('{')) t.ok(has(404) && has(414), `${key}: 404 and 414 for its path parameter`);
      if (['post', 'put', 'patch', 'delete'].includes(method)) t.ok(has(413) && has(415), `${key}: 413 and 415 for its body`);
    }
  }
});

t.test('the routes the issue names document what they really answer', async (t) => {
  t.same(mediaTypes('get', '/v1/ledger/export', 200), ['application/x-ndjson']);
  t.ok(['401', '403', '404'].every((s) => s in (paths['/v1/ledger/export']!.get!.responses as Json)), 'export: 401, 403, 404 (unknown stream)');
  t.same(mediaTypes('get', '/v1/cycles/{cycleId}/export.pb', 200), ['text/plain']);
  t.match(response('get', '/v1/cycles/{cycleId}/export.pb', 409).description, /phase-closed/);
  t.same(mediaTypes('get', '/v1/reports/equity.svg', 200), ['image/svg+xml']);
  t.ok(response('get', '/v1/reports/equity.svg', 403));
  t.same(mediaTypes('get', '/v1/reports/equity', 200).sort(), ['application/json', 'text/csv']);
  t.match(response('get', '/v1/receipts/{hash}/proof', 409).description, /not-checkpointed/);
  const pabulib = paths['/v1/imports/pabulib']!.post!;
  t.same(Object.keys((pabulib.requestBody as { content: Json }).content), ['text/plain']);
  t.ok(response('post', '/v1/imports/pabulib', 415) && response('post', '/v1/imports/pabulib', 413));
  t.match(response('post', '/v1/sessions', 410).description, /invitation-expired/);
  t.same(Object.keys(response('delete', '/v1/session', 204)), ['description'], 'sign-out answers no body');
});

t.test('operationIds read like the access summaries', async (t) => {
  t.equal(operationIdFromSummary('create a community'), 'createCommunity');
  t.equal(operationIdFromSummary("list a cycle's proposals"), 'listCycleProposals');
  t.equal(operationIdFromSummary('add a member (returns its token once)'), 'addMember');
  t.equal(operationIdFromSummary('export a cycle as a .pb file'), 'exportCycleAsPbFile');
});

t.test('the response validator refuses what the document does not allow', async (t) => {
  const validator = new OpenApiValidator(document);
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const problemJson = { 'content-type': 'application/problem+json; charset=utf-8' };
  const problem = JSON.stringify({ type: 'https://agora-ledger.org/problems/x', title: 'X', status: 404, detail: 'd', code: 'x' });
  t.same(validator.check('GET', '/healthz', { statusCode: 200, headers: json, body: '{"status":"ok"}' }), [], 'a true answer passes');
  t.match(validator.check('GET', '/healthz', { statusCode: 200, headers: json, body: '{"status":"ok","extra":1}' }), [/does not match the documented schema/], 'an undocumented field');
  t.match(validator.check('GET', '/healthz', { statusCode: 404, headers: problemJson, body: problem }), [/status 404 is not documented/], 'an undocumented status');
  t.match(validator.check('GET', '/v1/checkpoints/latest', { statusCode: 404, headers: json, body: problem }), [/content type .* is not documented/], 'an error as plain JSON');
  t.same(validator.check('GET', '/v1/checkpoints/latest', { statusCode: 404, headers: problemJson, body: problem }), []);
  t.match(validator.check('GET', '/v1/cycles/0b8e8b4e-1f3a-4c1e-9a2b-3c4d5e6f7a8b', { statusCode: 200, headers: json, body: '{"id":"x"}' }), [/required property/], 'a missing field');
  t.match(validator.check('DELETE', '/v1/communities', { statusCode: 200, headers: json, body: '{}' }), [/only a 4xx problem/], 'an operation the document lacks may only be refused');
  t.same(validator.check('DELETE', '/v1/communities', { statusCode: 404, headers: problemJson, body: problem }), []);
  t.match(validator.check('GET', '/v1/session', { statusCode: 204, headers: {}, body: '' }), [/status 204 is not documented/]);
  t.same(validator.check('DELETE', '/v1/session', { statusCode: 204, headers: {}, body: '' }), [], 'no content where none is documented');
});
