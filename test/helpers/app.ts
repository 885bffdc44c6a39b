/** Builds the whole app around a fresh test database; closes both when the test ends. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';
import { buildApp } from '../../src/http/app.js';
import { createServices, defaultDeps, serviceOptions, type Clock, type Services } from '../../src/services/index.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import type { AnchorTarget } from '../../src/services/anchoring.js';
import { openTestDatabase, type DatabaseKind } from './db.js';
import { assertMatchesDocument } from '../../scripts/lib/openapi-validator.js';
import { injectFetch, TEST_BASE_URL } from './inject-fetch.js';
import { createApiClient, type ApiClient, type ApiClientOptions } from '../../scripts/lib/api-client.js';

export const ADMIN_TOKEN = 'agl_admin_test_token_0123456789';
export const TEST_ORIGIN = 'agora-ledger.test/network';
export const TEST_SIGNING_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';

export interface TestApp {
  app: FastifyInstance;
  handle: DatabaseHandle;
  services: Services;
  kind: DatabaseKind;
  /** inject with JSON and an optional bearer token */
  call(method: string, url: string, options?: { token?: string | undefined; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  /** The typed client (openapi-fetch) acting with this bearer token (or none), through inject(). */
  client(token?: string, options?: Omit<ApiClientOptions, 'token' | 'fetch' | 'baseUrl'>): ApiClient;
}

export async function startTestApp(t: Test, kind: DatabaseKind, options: { clock?: Clock; anchor?: AnchorTarget; rateLimitPerMinute?: number; failedAuthPerMinute?: number; webRoot?: string } = {}): Promise<TestApp> {
  const handle = await openTestDatabase(kind);
  const services = createServices(defaultDeps(handle.db, options.clock), { ...serviceOptions(TEST_ORIGIN, TEST_SIGNING_SEED), anchor: options.anchor });
  const app = await buildApp({ services, adminToken: ADMIN_TOKEN, ...(options.rateLimitPerMinute === undefined ? {} : { rateLimitPerMinute: options.rateLimitPerMinute }), ...(options.failedAuthPerMinute === undefined ? {} : { failedAuthPerMinute: options.failedAuthPerMinute }), webRoot: options.webRoot });
  t.teardown(async () => {
    await app.close();
    await handle.close();
  });
  return {
    app,
    handle,
    services,
    kind,
    client: (token, options = {}) => createApiClient({ ...options, token, baseUrl: TEST_BASE_URL, fetch: injectFetch(app) }),
    call: async (method, url, opts = {}) => {
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: {
          ...(opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` }),
          ...(opts.headers ?? {}),
        },
        ...(opts.body === undefined ? {} : typeof opts.body === 'string' ? { payload: opts.body } : { payload: opts.body as object }),
      });
      // Every answer a test receives must be one the OpenAPI document describes.
      assertMatchesDocument(method, url, res);
      return res;
    },
  };
}
