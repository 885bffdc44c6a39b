/**
 * Checks a response against the committed OpenAPI document (openapi/openapi.json): the status must
 * be documented for the operation, the content type must be one the document lists for that
 * status, and a JSON body must match its schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses).
 * Integration tests run every response through this (see `startTestApp` in test/helpers/app.ts),
 * and the scripts' typed client too, so the document cannot
 * drift from what the service sends without a test failing.
 *
 * Requests for operations the document does not have (an unknown path, or a method a path lacks):
 * under /v1 the answer must still be a valid problem+json 4xx; outside /v1 (docs, static files) it
 * is not checked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { PROJECT_ROOT } from './paths.js';

type Json = Record<string, unknown>;

export interface ResponseLike {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

const DOC_ID = 'https://agora-ledger.test/openapi.json';

interface Route {
  template: string;
  regex: RegExp;
  params: number;
  item: Record<string, Json>;
}

export class OpenApiValidator {
  private readonly ajv: Ajv2020;
  private readonly routes: Route[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: Json) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
    addFormats(this.ajv);
    this.ajv.addSchema({ ...document, $id: DOC_ID });
    this.routes = Object.entries((document.paths ?? {}) as Record<string, Record<string, Json>>)
      .map(([template, item]) => ({
        template,
        item,
        params: (template.match(/\{/g) ?? []).length,
        regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '([^/]+)')}$`),
      }))
      // A literal segment wins over a parameter (`/checkpoints/latest` before `/checkpoints/{number}`).
      .sort((a, b) => a.params - b.params);
  }

  static fromCommittedDocument(): OpenApiValidator {
    return new OpenApiValidator(JSON.parse(readFileSync(join(PROJECT_ROOT, 'openapi', 'openapi.json'), 'utf8')) as Json);
  }

  /** Problems found (empty when the response matches the document). */
  check(method: string, url: string, res: ResponseLike): string[] {
    const path = url.split('?')[0] ?? url;
    const upper = method.toUpperCase();
    const lookup = upper === 'HEAD' ? 'get' : upper.toLowerCase();
    const candidates = this.routes.filter((r) => r.regex.test(path));
    const route = candidates.find((r) => r.item[lookup] !== undefined);
    const label = `${upper} ${path} → ${res.statusCode}`;
    if (route === undefined) {
      if (!path.startsWith('/v1/') && candidates.length === 0) return [];
      // Not an operation of the document (an unknown path or method): whatever refused it first (no
      // route, a bad token, an unreadable body), the answer must be a 4xx problem.
      if (res.statusCode < 400 || res.statusCode >= 500) return [`${label}: the document has no ${upper} ${path}, so only a 4xx problem is expected`];
      return this.checkMedia(label, { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }, res, upper, 'unknown');
    }
    const operation = route.item[lookup] as Json;
    const responses = (operation.responses ?? {}) as Record<string, Json>;
    const status = String(res.statusCode);
    const key = status in responses ? status : `${status[0]}XX` in responses ? `${status[0]}XX` : 'default' in responses ? 'default' : undefined;
    const pointer = `/paths/${escape(route.template)}/${lookup}/responses`;
    if (key === undefined) {
      return [`${label}: status ${status} is not documented for ${upper} ${route.template} (documented: ${Object.keys(responses).join(', ')}); body: ${res.body.slice(0, 300)}`];
    }
    let response = responses[key] as Json;
    let responsePointer = `${pointer}/${escape(key)}`;
    if (typeof response.$ref === 'string') {
      responsePointer = response.$ref.slice(1);
      response = this.resolve(responsePointer);
    }
    const content = response.content as Record<string, Json> | undefined;
    if (content === undefined) {
      return res.body.length === 0 ? [] : [`${label}: the document says no body, but one came (${res.body.slice(0, 100)})`];
    }
    return this.checkMedia(label, content, res, upper, `${responsePointer}/content`);
  }

  private checkMedia(label: string, content: Record<string, Json>, res: ResponseLike, method: string, contentPointer: string): string[] {
    const header = String(res.headers['content-type'] ?? '');
    const mediaType = header.split(';')[0]?.trim().toLowerCase() ?? '';
    if (!(mediaType in content)) {
      return [`${label}: content type "${header}" is not documented (documented: ${Object.keys(content).join(', ')})`];
    }
    if (method === 'HEAD') return [];
    const media = content[mediaType] as Json;
    if (!isJson(mediaType)) {
      const type = (media.schema as Json | undefined)?.type;
      return type === undefined || type === 'string' ? [] : [`${label}: ${mediaType} is documented with a schema of type ${JSON.stringify(type)}`];
    }
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      return [`${label}: ${mediaType} body is not JSON: ${res.body.slice(0, 200)}`];
    }
    const validate = this.validatorFor(contentPointer === 'unknown' ? undefined : `${contentPointer}/${escape(mediaType)}/schema`, media.schema as Json);
    if (validate(body)) return [];
    const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}${e.params === undefined ? '' : ` ${JSON.stringify(e.params)}`}`);
    return [`${label}: the body does not match the documented schema: ${errors.join('; ')}; body: ${res.body.slice(0, 500)}`];
  }

  private validatorFor(pointer: string | undefined, schema: Json): ValidateFunction {
    const key = pointer ?? JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = pointer === undefined ? this.ajv.compile(rebase(schema)) : this.ajv.compile({ $ref: `${DOC_ID}#${pointer.split('/').map(encodeURIComponent).join('/')}` });
      this.compiled.set(key, validate);
    }
    return validate;
  }

  private resolve(pointer: string): Json {
    let node: unknown = this.document;
    for (const part of pointer.split('/').slice(1)) {
      node = (node as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
      if (node === undefined) throw new Error(`unresolvable pointer ${pointer}`);
    }
    return node as Json;
  }
}

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isJson(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/** Local `#/…` references become references into the document added to ajv. */
function rebase(schema: unknown): Json {
  return JSON.parse(JSON.stringify(schema), (key, value: unknown) => (key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${DOC_ID}${value}` : value)) as Json;
}

let shared: OpenApiValidator | undefined;

/** One validator per test process, over the committed document. */
export function documentValidator(): OpenApiValidator {
  shared ??= OpenApiValidator.fromCommittedDocument();
  return shared;
}

/** Throws when the response does not match the document (the test fails with the reason). */
export function assertMatchesDocument(method: string, url: string, res: ResponseLike): void {
  const problems = documentValidator().check(method, url, res);
  if (problems.length > 0) throw new Error(`response does not match openapi/openapi.json:\n  ${problems.join('\n  ')}`);
}
