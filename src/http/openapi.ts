/**
 * How the route schemas become a complete, true OpenAPI 3.1 document, in one place instead of on
 * every route:
 *
 * - `components.schemas` holds every schema a `$ref` points to (zod schemas with `.meta({ id })`,
 *   through fastify-type-provider-zod's registry transform), and nothing unused;
 * - every operation has an `operationId` (from its access-matrix summary unless the route names one)
 *   and the `security` its row in the access matrix implies (`[]` for public routes);
 * - every operation documents the error answers it can give, as `application/problem+json`
 *   (what `src/http/errors.ts` sends): those that follow from the route's shape (a path parameter,
 *   a body, a guard, idempotency) are derived here; the rest a route names in `schema.problems`;
 * - the headers the API reads (`Idempotency-Key`, `x-agora-principal`, `x-csrf-token`) are
 *   parameters where they apply; routes that answer something other than JSON say so.
 *
 * Integration tests validate every response they receive against the document
 * (test/helpers/openapi-validator.ts), so a gap here fails a test rather than misleads a client.
 */
import type { FastifySchema, RouteOptions } from 'fastify';
import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { ACCESS, accessKey, type RouteAccess } from './access.js';
import { idempotent } from './idempotency.js';

/** Error statuses a route can answer beyond those derived from its shape, each with what it means there. */
export type ProblemDocs = Readonly<Partial<Record<ProblemStatus, string>>>;
export type ProblemStatus = 400 | 401 | 403 | 404 | 405 | 406 | 409 | 410 | 413 | 414 | 415 | 422 | 429 | 500 | 502 | 503;

declare module 'fastify' {
  interface FastifySchema {
    /** Documented error answers beyond the derived ones (see src/http/openapi.ts). */
    problems?: ProblemDocs;
  }
}

export const SESSION_COOKIE = 'agl_session';
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

/** The generic meaning of each derived status; a route's own text replaces it. */
const GENERIC: Record<ProblemStatus, { name: string; description: string }> = {
  400: { name: 'BadRequest', description: 'The request is malformed: its URL, a header, its JSON or a value does not match the schema (`errors` lists each problem).' },
  401: { name: 'Unauthenticated', description: 'No usable credentials: the bearer token or session is missing, unknown or ended.' },
  403: { name: 'Forbidden', description: 'The caller may not do this here (a role in another community counts for nothing here), or a cookie-authenticated change lacks `x-csrf-token`.' },
  404: { name: 'NotFound', description: 'What the path (or query) names does not exist.' },
  405: { name: 'MethodNotAllowed', description: 'Method not allowed.' },
  406: { name: 'NotAcceptable', description: 'No acceptable representation.' },
  409: { name: 'Conflict', description: 'Refused by the current state (a phase, a balance, a request with the same `Idempotency-Key` still in progress); nothing was written.' },
  410: { name: 'Gone', description: 'It existed but has expired.' },
  413: { name: 'PayloadTooLarge', description: 'The body is larger than this route accepts.' },
  414: { name: 'UriTooLong', description: 'A path parameter is too long.' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not of a media type this route accepts.' },
  422: { name: 'Unprocessable', description: 'Well-formed but refused by a business rule, or the `Idempotency-Key` was used for a different request; nothing was written.' },
  429: { name: 'TooManyRequests', description: 'Too many requests from this token, session or address in the last minute; `retry-after` says when to try again.' },
  500: { name: 'InternalError', description: 'An internal error (logged; the body never carries details).' },
  502: { name: 'BadGateway', description: 'The EVM chain answered something unexpected.' },
  503: { name: 'Unavailable', description: 'A dependency (the EVM chain) is unreachable, or the service is shutting down.' },
};

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function methodOf(route: RouteOptions): string {
  const method = Array.isArray(route.method) ? route.method[0] : route.method;
  return String(method).toUpperCase();
}

/** The error statuses that follow from a route's shape and its row in the access matrix. */
export function derivedProblems(method: string, url: string, access: RouteAccess, takesIdempotencyKey: boolean): ProblemStatus[] {
  const statuses: ProblemStatus[] = [400, 401, 429];
  const isPublic = access.allow.includes('public');
  // 403: a grant missing (a bearer token on a session route), or a change made with the session cookie without `x-csrf-token`.
  if (!isPublic) statuses.push(403);
  const hasParams = url.includes(':');
  if (hasParams || access.scope === 'stream-query' || access.scope === 'account-param') statuses.push(404);
  if (hasParams) statuses.push(414);
  if (WRITE_METHODS.has(method)) statuses.push(413, 415);
  // Idempotency-Key: a retry racing the first request (409), the same key for another request (422).
  if (takesIdempotencyKey) statuses.push(409, 422);
  return statuses;
}

/** `create a community (…)` → `createCommunity`. */
export function operationIdFromSummary(summary: string): string {
  const words = summary
    .replace(/\([^)]*\)/g, ' ')
    .replace(/'s\b/g, '')
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w !== '' && !['a', 'an', 'the', 'your', 'its'].includes(w.toLowerCase()));
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())).join('');
}

function securityFor(access: RouteAccess): FastifySchema['security'] {
  if (access.allow.includes('public')) return [];
  if (access.allow.length === 1 && access.allow[0] === 'session') return [{ session: [] }];
  return undefined; // the document's default: a bearer token or a session cookie
}

/** Per route: the zod schemas become JSON schemas; operationId, security and problems are filled in. */
export const openapiRouteTransform: SwaggerTransform = (input) => {
  const { schema: rawSchema, url, route } = input;
  const transformed = jsonSchemaTransform(input);
  const schema = transformed.schema as FastifySchema & Record<string, unknown>;
  if (schema.hide === true) return transformed;
  const method = methodOf(route);
  const access = ACCESS[accessKey(method, url)];
  if (access === undefined) return transformed; // outside /v1 and not in the matrix (docs): as written

  schema.operationId ??= operationIdFromSummary(access.summary);
  if (rawSchema.security === undefined) {
    const security = securityFor(access);
    if (security !== undefined) schema.security = security;
  }

  // A route that answers something other than JSON and declares no schema for it: a string.
  const response = (schema.response ?? {}) as Record<string, unknown>;
  if (!Object.keys(response).some((s) => s.startsWith('2')) && schema.produces !== undefined) {
    response['200'] = { type: 'string', description: 'OK' };
  }
  // A route that reads a raw body (an upload) declares only `consumes`.
  if (schema.body === undefined && schema.consumes !== undefined) {
    schema.body = { type: 'string', description: 'the file, as text' };
  }
  schema.response = response;

  const takesKey = (method === 'POST' || method === 'PUT') && url.startsWith('/v1/') && idempotent(route);
  const problems: Record<string, string | null> = {};
  for (const status of derivedProblems(method, url, access, takesKey)) problems[String(status)] = null;
  for (const [status, text] of Object.entries(rawSchema.problems ?? {})) problems[status] = text ?? null;
  delete schema.problems;
  schema['x-agora-problems'] = problems;
  schema['x-agora-access'] = { method, public: access.allow.includes('public'), session: access.allow.includes('session'), idempotent: takesKey };
  return { schema, url };
};

type Json = Record<string, unknown>;

const REASON: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted', '204': 'No Content' };

/** The whole document: components from the zod registry, problem responses, header parameters, pruning. */
export const openapiObjectTransform: SwaggerTransformObject = (documentObject) => {
  const document = jsonSchemaTransformObject(documentObject) as Json;
  const components = (document.components ?? {}) as Json;
  const responses: Json = {};
  const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
  const seenOperationIds = new Map<string, string>();

  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const problems = (operation['x-agora-problems'] ?? {}) as Record<string, string | null>;
      const access = operation['x-agora-access'] as { method: string; public: boolean; session: boolean; idempotent: boolean } | undefined;
      delete operation['x-agora-problems'];
      delete operation['x-agora-access'];

      const operationId = typeof operation.operationId === 'string' ? operation.operationId : '';
      const clash = seenOperationIds.get(operationId);
      if (clash !== undefined) throw new Error(`operationId "${operationId}" is used by ${clash} and ${method.toUpperCase()} ${path}: name one of them in its route schema`);
      seenOperationIds.set(operationId, `${method.toUpperCase()} ${path}`);

      const opResponses = (operation.responses ?? {}) as Record<string, Json>;
      for (const [status, response] of Object.entries(opResponses)) {
        if (response.description === 'Default Response') response.description = REASON[status] ?? 'OK';
      }
      for (const [status, text] of Object.entries(problems).sort(([a], [b]) => Number(a) - Number(b))) {
        const generic = GENERIC[Number(status) as ProblemStatus];
        if (generic === undefined) throw new Error(`${method.toUpperCase()} ${path}: no generic description for status ${status}`);
        if (text === null) {
          responses[generic.name] = { description: generic.description, content: { [PROBLEM_MEDIA_TYPE]: { schema: PROBLEM_REF } } };
          opResponses[status] = { $ref: `#/components/responses/${generic.name}` };
        } else {
          opResponses[status] = { description: text, content: { [PROBLEM_MEDIA_TYPE]: { schema: PROBLEM_REF } } };
        }
      }
      operation.responses = Object.fromEntries(Object.entries(opResponses).sort(([a], [b]) => a.localeCompare(b)));

      if (access !== undefined) {
        const parameters = (operation.parameters ?? []) as Json[];
        const upper = access.method;
        if (access.idempotent) parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
        if (!access.public) {
          if (!access.session) parameters.push({ $ref: '#/components/parameters/ActingPrincipal' });
          if (WRITE_METHODS.has(upper)) parameters.push({ $ref: '#/components/parameters/CsrfToken' });
        }
        if (parameters.length > 0) operation.parameters = parameters;
      }
    }
  }

  components.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
  components.parameters = PARAMETERS;
  components.schemas = usedSchemas(document, (components.schemas ?? {}) as Json);
  document.components = components;
  return document;
};

const PARAMETERS: Json = {
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'A retry with the same key and body gets the first response and writes nothing; the same key with another body is refused (422). Keys are per caller.',
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
  },
  ActingPrincipal: {
    name: 'x-agora-principal',
    in: 'header',
    required: false,
    description: 'With a session cookie holding several memberships: the id of the member, funder or auditor who acts (`GET /v1/session` lists them). Optional with one membership; ignored with a bearer token.',
    schema: { type: 'string', format: 'uuid' },
  },
  CsrfToken: {
    name: 'x-csrf-token',
    in: 'header',
    required: false,
    description: 'Required when the request is authenticated by the session cookie: the `csrfToken` from `POST /v1/sessions` or `GET /v1/session` (403 without it). Not needed with a bearer token.',
    schema: { type: 'string' },
  },
};

/** Keeps the component schemas reachable from paths (transitively); the registry may hold more. */
function usedSchemas(document: Json, schemas: Json): Json {
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
          const name = v.slice('#/components/schemas/'.length);
          if (!used.has(name)) {
            used.add(name);
            visit(schemas[name]);
          }
        } else {
          visit(v);
        }
      }
    }
  };
  visit(document.paths);
  visit(PROBLEM_REF);
  const missing = [...used].filter((name) => schemas[name] === undefined);
  if (missing.length > 0) throw new Error(`$ref to schemas missing from components: ${missing.join(', ')}`);
  return Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)).sort(([a], [b]) => a.localeCompare(b)));
}
