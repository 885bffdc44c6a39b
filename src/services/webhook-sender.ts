/**
 * One webhook delivery attempt over HTTP: a POST with the signed headers, bounded by a timeout,
 * never following a redirect (node:http does not follow them; a 3xx is a failed attempt). The host
 * name is resolved through a lookup that checks every address it returns against the address
 * policy before a socket opens, and the socket connects to an address so checked — a name that
 * was public when the hook was created and points into the private network now (DNS rebinding)
 * is refused, not connected to.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { judgeAddress } from '../webhooks/address-policy.js';
import { checkTargetUrl, refusedAddressReason } from '../webhooks/target-url.js';

/** Resolves a host name to every address it has. */
export type Resolver = (host: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (host) => dns.lookup(host, { all: true, verbatim: true });

export interface SendOptions {
  timeoutMs: number;
  /** aborts the attempt (the service is stopping); the result then says `aborted` */
  signal?: AbortSignal | undefined;
  allowPrivate: boolean;
  resolve: Resolver;
}

export interface SendResult {
  ok: boolean;
  /** the receiver's HTTP status, when it answered */
  status: number | null;
  /** why the attempt failed (null when it succeeded) */
  error: string | null;
  /** the attempt was cut short by `signal`: it says nothing about the receiver */
  aborted?: boolean;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/** Every address of `host`, or the reason it may not be delivered to. */
export async function resolveAllowed(resolve: Resolver, host: string, allowPrivate: boolean): Promise<{ ok: true; addresses: LookupAddress[] } | { ok: false; reason: string }> {
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    return { ok: false, reason: `${host} does not resolve (${err instanceof Error ? err.message : String(err)})` };
  }
  if (addresses.length === 0) return { ok: false, reason: `${host} does not resolve to any address` };
  for (const a of addresses) {
    const verdict = judgeAddress(a.address, allowPrivate);
    if (!verdict.allowed) return { ok: false, reason: `${host} resolves to ${refusedAddressReason(a.address, verdict.class)}` };
  }
  return { ok: true, addresses };
}

function checkedLookup(options: SendOptions): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    void resolveAllowed(options.resolve, hostname, options.allowPrivate).then((result) => {
      if (!result.ok) {
        callback(Object.assign(new Error(result.reason), { code: 'EWEBHOOKREFUSED' }), '', 0);
        return;
      }
      const family = typeof lookupOptions.family === 'number' ? lookupOptions.family : 0;
      const candidates = family === 0 ? result.addresses : result.addresses.filter((a) => a.family === family);
      if (lookupOptions.all === true) {
        (callback as unknown as (err: Error | null, addresses: LookupAddress[]) => void)(null, candidates);
        return;
      }
      const first = candidates[0];
      if (first === undefined) callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }), '', 0);
      else callback(null, first.address, first.family);
    });
  };
}

export async function postSigned(urlText: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<SendResult> {
  const target = checkTargetUrl(urlText, options.allowPrivate);
  if (!target.ok) return { ok: false, status: null, error: target.reason };
  const url = target.url;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = send(
      url,
      {
        method: 'POST',
        agent: false,
        lookup: checkedLookup(options),
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'agora-ledger-webhooks/1' },
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        let seen = 0;
        res.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > MAX_RESPONSE_BYTES) res.destroy();
        });
        const done = (): void => {
          if (status >= 200 && status < 300) finish({ ok: true, status, error: null });
          else if (status >= 300 && status < 400) finish({ ok: false, status, error: `the receiver answered ${status} (a redirect${res.headers.location === undefined ? '' : ` to ${res.headers.location.slice(0, 200)}`}); redirects are not followed` });
          else finish({ ok: false, status, error: `the receiver answered ${status}` });
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on('error', (err: Error) => finish({ ok: false, status: null, error: err.message, aborted: options.signal?.aborted === true }));
    const abort = (): void => void req.destroy(new Error('the service is stopping'));
    if (options.signal?.aborted === true) abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    req.on('close', () => options.signal?.removeEventListener('abort', abort));
    req.end(body);
  });
}
