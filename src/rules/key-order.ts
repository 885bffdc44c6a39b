/**
 * Tie-breaking order of project keys: plain string comparison by Unicode code point, which is
 * what pabutools (Python `str` ordering) uses. JavaScript's `<` compares UTF-16 code units and
 * differs only when a key holds characters outside the Basic Multilingual Plane.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only surrogate halves (U+D800–U+DFFF) sort differently by code unit and by code point.
    if ((x >= 0xd800 && x <= 0xdfff) || (y >= 0xd800 && y <= 0xdfff)) {
      return (a.codePointAt(i) ?? x) - (b.codePointAt(i) ?? y);
    }
    return x - y;
  }
  return a.length - b.length;
}
