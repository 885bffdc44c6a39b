/**
 * One `;`-separated record, with CSV double-quote quoting as Python's csv module reads it (the
 * reader pabutools uses): a field that starts with `"` is quoted, `""` inside it is one `"`, and it
 * may span lines; a `"` elsewhere is an ordinary character. Real pabulib files quote project names
 * that contain `;` or `"`. Fields are trimmed, as pabutools does.
 */

/** Splits a record; `undefined` means a quoted field is still open (the record continues on the next line). */
export function splitRecord(text: string): string[] | undefined {
  if (text.indexOf('"') < 0) {
    const fields = text.split(';');
    for (let i = 0; i < fields.length; i++) fields[i] = fields[i]!.trim();
    return fields;
  }
  const fields: string[] = [];
  let field = '';
  let i = 0;
  const n = text.length;
  for (;;) {
    // Start of a field: quoted only if the quote is its very first character (as in Python's csv).
    if (i < n && text[i] === '"') {
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) return undefined;
        field += text.slice(i, close);
        if (text[close + 1] === '"') {
          field += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
    }
    // Unquoted text, or whatever follows a closing quote, runs to the next separator.
    const sep = text.indexOf(';', i);
    const end = sep < 0 ? n : sep;
    field += text.slice(i, end);
    fields.push(field.trim());
    field = '';
    if (sep < 0) return fields;
    i = sep + 1;
  }
}

/** Quotes a field when a reader would otherwise split or alter it. */
export function quoteField(value: string): string {
  if (/[;"\r\n]/.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}
