/**
 * SQL constants for the few statements sent as text in the simple query protocol, where several
 * statements share one round trip but none may carry parameters (a group-commit batch's append and
 * its COMMIT). Everything else is parameterised.
 */

/**
 * A string constant holding exactly `text`. Backslashes make it an escape-string constant (E'…', with
 * them doubled), which reads the same whatever `standard_conforming_strings` says.
 */
export function sqlStringLiteral(text: string): string {
  // PostgreSQL text cannot hold NUL; a parameter would be refused for it too
  if (text.includes('\0')) throw new Error('a SQL string constant cannot hold NUL');
  const quoted = text.replaceAll("'", "''");
  return text.includes('\\') ? `E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

/** An integer constant (a stream size, a seq). */
export function sqlIntegerLiteral(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`${n} is not a safe integer`);
  return String(n);
}

/** A parameter as a constant: strings, finite numbers, bigints, booleans and null. */
export function sqlConstant(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return sqlStringLiteral(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // quoted, as pg sends a number parameter (text of unknown type): the column's type reads it
      if (!Number.isFinite(value)) throw new Error(`${value} cannot be a SQL constant`);
      return `'${String(value)}'`;
    default:
      throw new Error(`a ${typeof value} parameter cannot be inlined (only strings, numbers, bigints, booleans and null)`);
  }
}

/**
 * The text of a kysely-compiled statement with its `$n` placeholders replaced by constants. Made for
 * what the query builder emits (quoted identifiers, every value a parameter): text holding a string
 * constant or dollar quoting of its own is refused rather than parsed.
 */
export function inlineParameters(query: { sql: string; parameters: readonly unknown[] }): string {
  let out = '';
  let at = 0;
  const text = query.sql;
  while (at < text.length) {
    const c = text[at];
    if (c === '"') {
      const end = text.indexOf('"', at + 1);
      if (end === -1) throw new Error('unterminated quoted identifier');
      out += text.slice(at, end + 1);
      at = end + 1;
    } else if (c === "'") {
      throw new Error('only statements without string constants of their own can be inlined');
    } else if (c === '$') {
      const digits = /^\d+/.exec(text.slice(at + 1, at + 12))?.[0];
      if (digits === undefined) throw new Error('only statements without dollar quoting can be inlined');
      const index = Number(digits) - 1;
      if (index < 0 || index >= query.parameters.length) throw new Error(`$${digits} has no parameter`);
      out += sqlConstant(query.parameters[index]);
      at += 1 + digits.length;
    } else {
      out += c;
      at += 1;
    }
  }
  return out;
}
