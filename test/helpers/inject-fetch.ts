/**
 * A `fetch` for the typed client that never opens a socket: each Request goes through fastify's
 * `inject()`, and each answer is checked against the OpenAPI document like every other response a
 * test receives.
 */
import type { FastifyInstance } from 'fastify';
import { assertMatchesDocument } from '../../scripts/lib/openapi-validator.js';

export const TEST_BASE_URL = 'http://agora-ledger.test';

const NO_BODY = new Set([204, 205, 304]);

export function injectFetch(app: FastifyInstance): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const payload = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
    const res = await app.inject({ method: request.method as 'GET', url: `${url.pathname}${url.search}`, headers, ...(payload === undefined ? {} : { payload }) });
    assertMatchesDocument(request.method, `${url.pathname}${url.search}`, res);
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, String(v));
    }
    const body = NO_BODY.has(res.statusCode) || request.method === 'HEAD' ? null : res.rawPayload;
    return new Response(body, { status: res.statusCode, headers: responseHeaders });
  };
}
