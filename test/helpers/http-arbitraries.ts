/**
 * fast-check arbitraries for hostile HTTP requests: path segments, query strings, bodies and
 * headers, mixing well-formed values (so requests get past validation and reach the services)
 * with boundary values and garbage. Header values stay within what HTTP can carry (no CR/LF),
 * since a real client could not send anything else.
 */
import fc from 'fast-check';

/** Characters an HTTP/1.1 header value may hold: tab, visible ASCII and space, obs-text. */
const headerChar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  { weight: 1, arbitrary: fc.constant(0x09) },
).map((code) => String.fromCharCode(code));

export const headerValue = (maxLength = 80): fc.Arbitrary<string> => fc.string({ unit: headerChar, maxLength });

/** Strings with an edge: empty, long, control characters, lone surrogates, emoji, look-alike digits. */
export const edgyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', '\ud800', '🙂', 'Ω', '１２３', 'null', 'NaN', 'Infinity', '-0', '1e309', '0x10', '../..', "'; drop table communities; --", 'a'.repeat(201), 'x'.repeat(10_001)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 20 }),
);

/** JSON values that sit on a boundary of some schema. */
export const edgyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -1, 1, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 63, true, false, null, [], {}, '9'.repeat(18), '9'.repeat(19), '0', '-1', '01', '1.0', ' 1'),
  edgyString,
  fc.integer(),
  fc.double(),
);

/** JSON number tokens and other literals that JSON.stringify cannot produce from a JS value. */
export const rawJsonLiteral = fc.constantFrom('1e309', '-1e309', '-0', '-0.0', '1E2', '0.1e-400', '123456789012345678901234567890', '"NaN"', '"Infinity"', '"\\u0000"', '"\\ud800"', '[[[[[[[[[[1]]]]]]]]]]', '{"__proto__":{"polluted":true}}');

/** Whole bodies that are not what a route expects: broken JSON, deep nesting, huge, BOM, invalid UTF-8. */
export const rawBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.constantFrom<string | Buffer>(
    '',
    '{',
    '[]',
    'null',
    '1e309',
    '-0',
    '"NaN"',
    '{"a":1e309}',
    '\ufeff{}',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
    `"${'x'.repeat(300 * 1024)}"`,
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), // {"a":"<invalid UTF-8>"}
    Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true }).map((v) => JSON.stringify(v) ?? ''),
);

/**
 * A valid body with a few fields changed: a field set to an edgy value or a raw literal, a field
 * removed, an extra key added. Most requests built this way are one mistake away from valid, so
 * they probe the checks behind the schema as well as the schema itself.
 */
export function mutatedBody(valid: Record<string, unknown>): fc.Arbitrary<string> {
  const keys = Object.keys(valid);
  const key = keys.length === 0 ? fc.string({ maxLength: 8 }) : fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
  const op = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), key, value: edgyJson }),
    fc.record({ kind: fc.constant('set' as const), key, value: fc.jsonValue({ maxDepth: 2 }) }),
    fc.record({ kind: fc.constant('raw' as const), key, value: rawJsonLiteral }),
    fc.record({ kind: fc.constant('delete' as const), key }),
  );
  return fc.array(op, { minLength: 1, maxLength: 3 }).map((ops) => {
    const body: Record<string, unknown> = { ...valid };
    const raws: string[] = [];
    for (const o of ops) {
      if (o.kind === 'delete') delete body[o.key];
      else if (o.kind === 'set') body[o.key] = o.value;
      else {
        body[o.key] = `@@raw${raws.length}@@`;
        raws.push(o.value);
      }
    }
    return raws.reduce((text, raw, i) => text.replace(`"@@raw${i}@@"`, raw), JSON.stringify(body));
  });
}

/** An opaque cursor this service never handed out but that decodes: base64url of a JSON array. */
export const plausibleCursor = fc
  .array(fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.constantFrom('2026-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000', 'not-a-date', '1.5')), { minLength: 1, maxLength: 3 })
  .map((key) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url'));

/** encodeURIComponent that also encodes lone surrogates (as the WTF-8 bytes a sloppy client would send). */
export function encodeLoosely(text: string): string {
  return Array.from(text, (ch) => {
    try {
      return encodeURIComponent(ch);
    } catch {
      return '%ED%A0%80';
    }
  }).join('');
}

const QUERY_KEYS = ['limit', 'cursor', 'stream', 'from', 'to', 'entry', 'size', 'checkpoint', 'format', 'rule', 'completion', 'funderId'];

const queryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '-1', '1', '200', '201', '1e309', '-0', 'NaN', '9007199254740993', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-02-30T00:00:00Z', 'network', 'community:', 'csv', 'json', 'greedy', 'equal-shares', 'add1'),
  plausibleCursor,
  edgyString,
);

/**
 * A query string (encoded) of the route's own keys, other known keys and random ones, sometimes
 * with a key repeated.
 */
export function queryString(routeKeys: readonly string[] = []): fc.Arbitrary<string> {
  const key = fc.oneof(
    { weight: routeKeys.length === 0 ? 0 : 6, arbitrary: fc.constantFrom(...(routeKeys.length === 0 ? QUERY_KEYS : routeKeys)) },
    { weight: 2, arbitrary: fc.constantFrom(...QUERY_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  );
  // A cursor is worth forging: it decodes to keys that reach SQL.
  const pair = key.chain((k) => fc.tuple(fc.constant(k), k === 'cursor' ? fc.oneof({ weight: 3, arbitrary: plausibleCursor }, { weight: 1, arbitrary: queryValue }) : queryValue));
  return fc.array(pair, { maxLength: 3 }).map((pairs) => pairs.map(([k, v]) => `${encodeLoosely(k)}=${encodeLoosely(v)}`).join('&'));
}

/** A path segment that is not an id: encoded garbage, or raw bytes a client could still put on the wire. */
export const garbageSegment: fc.Arbitrary<string> = fc.oneof(
  edgyString.map(encodeLoosely),
  fc.constantFrom('%', '%E0%A4%A', '%C0%AF', '%00', '..', '%2e%2e', '%2F', 'NaN', '-1', '0', '1e309', 'a'.repeat(101), 'a'.repeat(2000)),
);

export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/json;;',
  'application/problem+json',
  'application/merge-patch+json',
  'text/plain',
  'text/plain; charset=latin1',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'garbage',
  '',
];

export const ACCEPTS = ['application/json', 'text/csv', 'image/svg+xml', 'text/plain', '*/*', 'text/html', 'application/xml', 'application/json;q=0', ''];
