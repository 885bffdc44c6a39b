/**
 * CSV as the service writes it (RFC 4180): CRLF line ends, a field quoted when it holds a comma,
 * quote, CR or LF, quotes doubled. Free text a spreadsheet would run as a formula (leading `=`,
 * `+`, `-`, `@`, tab or CR, after OWASP) gets a leading `'`; callers pass such text through
 * `neutralizeFormula` and leave machine columns (ids, minor-unit integers) as they are. Used by
 * every CSV report: equity, statements, outcomes. Pure.
 */

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A leading `'` makes spreadsheets show the text instead of evaluating it. */
export function neutralizeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One record: its fields escaped, joined, CRLF-terminated. */
export function csvRecord(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
