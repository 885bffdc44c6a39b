/**
 * Which network addresses a webhook may be delivered to (issue 14 item 4). Loopback (127.0.0.0/8,
 * ::1) is accepted: a receiver on the same machine is the common, safe case. Private and
 * link-local ranges (RFC 1918, 100.64/10, 169.254/16, fe80::/10, fc00::/7) and the unspecified
 * address (0.0.0.0/8, ::) are refused unless the configuration allows private targets, since a
 * hook could otherwise make the service probe its own network (cloud metadata at 169.254.169.254).
 * Multicast, broadcast and reserved addresses are always refused. IPv4-mapped and NAT64 IPv6
 * addresses are judged by the IPv4 address inside. Pure: addresses arrive as text.
 */

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'unique-local' | 'unspecified' | 'reserved' | 'not-an-address';

export interface AddressVerdict {
  allowed: boolean;
  class: AddressClass;
}

/** The four bytes of a dotted-quad IPv4 address, or undefined. */
export function parseIpv4(text: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return undefined;
  const bytes = m.slice(1).map(Number);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad allowed), or undefined. */
export function parseIpv6(input: string): number[] | undefined {
  let text = input.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (!/^[0-9a-f:.]+$/.test(text)) return undefined;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
    return groups.map((g) => parseInt(g, 16));
  };
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (head === undefined || rest === undefined) return undefined;
  const explicit = head.length + rest.length + tail.length;
  if (halves.length === 1) return explicit === 8 ? [...head, ...tail] : undefined;
  if (explicit > 7) return undefined;
  return [...head, ...new Array<number>(8 - explicit).fill(0), ...rest, ...tail];
}

function classifyIpv4([a = 0, b = 0, c = 0]: number[]): AddressClass {
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private'; // carrier-grade NAT, RFC 6598
  if (a === 169 && b === 254) return 'link-local';
  if (a >= 224) return 'reserved'; // multicast, reserved, broadcast
  if (a === 192 && b === 0 && c === 0) return 'reserved'; // IETF protocol assignments
  if (a === 198 && (b === 18 || b === 19)) return 'private'; // benchmarking, RFC 2544
  return 'public';
}

function classifyIpv6(g: number[]): AddressClass {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const v4 = (): number[] => [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0) {
    if (g5 === 0 && g6 === 0 && g7 === 1) return 'loopback';
    if (g5 === 0 && g6 === 0 && g7 === 0) return 'unspecified';
    if (g5 === 0xffff) return classifyIpv4(v4()); // IPv4-mapped
    if (g5 === 0) return classifyIpv4(v4()); // IPv4-compatible (deprecated): judge what it names
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyIpv4(v4()); // NAT64
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xfe00) === 0xfc00) return 'unique-local';
  if ((g0 & 0xff00) === 0xff00) return 'reserved'; // multicast
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  return 'public';
}

export function classifyAddress(address: string): AddressClass {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return classifyIpv4(v4);
  const v6 = parseIpv6(address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address);
  if (v6 !== undefined) return classifyIpv6(v6);
  return 'not-an-address';
}

/** Whether a delivery may go to `address`; private targets only when the configuration allows them. */
export function judgeAddress(address: string, allowPrivate: boolean): AddressVerdict {
  const cls = classifyAddress(address);
  switch (cls) {
    case 'public':
    case 'loopback':
      return { allowed: true, class: cls };
    case 'private':
    case 'link-local':
    case 'unique-local':
    case 'unspecified':
      return { allowed: allowPrivate, class: cls };
    case 'reserved':
    case 'not-an-address':
      return { allowed: false, class: cls };
  }
}

export function describeClass(cls: AddressClass): string {
  switch (cls) {
    case 'public':
      return 'a public address';
    case 'loopback':
      return 'a loopback address';
    case 'private':
      return 'a private-network address (RFC 1918 or similar)';
    case 'link-local':
      return 'a link-local address';
    case 'unique-local':
      return 'a unique-local IPv6 address';
    case 'unspecified':
      return 'the unspecified address';
    case 'reserved':
      return 'a multicast, broadcast or reserved address';
    case 'not-an-address':
      return 'not an IP address';
  }
}
