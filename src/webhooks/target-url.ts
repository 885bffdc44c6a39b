/**
 * The syntactic half of webhook URL validation: http or https, a host, no credentials, no
 * fragment, at most 2048 characters. An IP literal is judged here at once (src/webhooks/address-policy.ts);
 * a host name is resolved by the service, at creation and again at every delivery.
 */
import { describeClass, judgeAddress } from './address-policy.js';

export const MAX_URL_LENGTH = 2048;

export type TargetCheck =
  | { ok: true; url: URL; /** the host without IPv6 brackets */ host: string; /** set when the host is an IP literal */ literal: boolean }
  | { ok: false; reason: string };

export function checkTargetUrl(text: string, allowPrivate: boolean): TargetCheck {
  if (text.length > MAX_URL_LENGTH) return { ok: false, reason: `the URL is longer than ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'the URL does not parse' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `only http and https URLs are delivered to, not ${url.protocol.replace(/:$/, '')}` };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'the URL must not carry credentials (user:password@); authenticate deliveries by their signature' };
  if (url.hash !== '') return { ok: false, reason: 'the URL must not have a fragment (#…)' };
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') return { ok: false, reason: 'the URL has no host' };
  const literal = isIpLiteral(url.hostname);
  if (literal) {
    const verdict = judgeAddress(host, allowPrivate);
    if (!verdict.allowed) return { ok: false, reason: refusedAddressReason(host, verdict.class) };
  }
  return { ok: true, url, host, literal };
}

/** WHATWG URL parsing normalises IPv4 literals (even `0x7f.1`) to dotted quads and keeps IPv6 in brackets. */
function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith('[') || /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export function refusedAddressReason(address: string, cls: Parameters<typeof describeClass>[0]): string {
  const allowable = cls === 'private' || cls === 'link-local' || cls === 'unique-local' || cls === 'unspecified';
  return `${address} is ${describeClass(cls)}; webhooks are not delivered there${allowable ? ' unless WEBHOOK_ALLOW_PRIVATE=true' : ''}`;
}
