import { createApiClient, type ApiClient } from './api-client.js';
import { assertMatchesDocument } from './openapi-validator.js';

/**
 * A small JSON client for a service running in another process (fetch, bearer tokens). A request
 * that gets no answer (connection refused or reset, timeout) resolves to `status: 0` with the
 * error text, so callers can count "outcome unknown" separately from a refusal.
 */

export interface HttpAnswer {
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  text: string;
  json<T>(): T;
}

export interface CallOptions {
  token?: string | undefined;
  body?: unknown;
  timeoutMs?: number;
}

export class HttpClient {
  /**
   * `checkAnswers: false` for a service built from another checkout (a benchmark's baseline): its
   * answers follow that checkout's OpenAPI document, not this one's.
   */
  constructor(
    readonly baseUrl: string,
    private readonly checkAnswers = true,
  ) {
    const host = new URL(baseUrl).hostname;
    // Crash and load runs must never touch anything but this machine.
    if (host !== '127.0.0.1') throw new Error(`refusing to call ${baseUrl}: only 127.0.0.1 is allowed`);
  }

  /**
   * The typed client (openapi-fetch) against this service, acting with `token`; every answer is
   * checked against the OpenAPI document.
   */
  typed(token?: string): ApiClient {
    return createApiClient({
      baseUrl: this.baseUrl,
      token,
      fetch: async (request) => {
        const url = new URL(request.url);
        const res = await fetch(request, { signal: AbortSignal.timeout(60_000) });
        if (!this.checkAnswers) return res;
        const text = await res.clone().text();
        assertMatchesDocument(request.method, `${url.pathname}${url.search}`, { statusCode: res.status, headers: Object.fromEntries(res.headers), body: text });
        return res;
      },
    });
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const text = await res.text();
      return { status: res.status, text, json: <T>() => JSON.parse(text) as T };
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      const text = `${err instanceof Error ? err.message : String(err)}${cause}`;
      return { status: 0, text, json: () => { throw new Error(`no response: ${text}`); } };
    }
  }

  /** Calls and insists on one status; the error names the request and shows the body. */
  async expect<T>(status: number, method: string, path: string, options: CallOptions = {}): Promise<T> {
    const answer = await this.call(method, path, options);
    if (answer.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${answer.status}: ${answer.text.slice(0, 500)}`);
    return answer.json<T>();
  }
}
