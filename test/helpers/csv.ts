/**
 * A strict RFC 4180 reader for the tests of the CSV reports (equity, statements, outcomes): quoted
 * fields, doubled quotes, CRLF records; it throws on anything a spreadsheet might read differently.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch === '"' && field === '') {
      i += 1;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quote');
        if (text.charAt(i) === '"') {
          if (text.charAt(i + 1) === '"') {
            field += '"';
            i += 2;
          } else {
            i += 1;
            break;
          }
        } else field += text.charAt(i++);
      }
      const next = text.charAt(i);
      if (next !== ',' && next !== '\r') throw new Error(`text after a closing quote at ${i}`);
    } else if (ch === ',') {
      record.push(field);
      field = '';
      i += 1;
    } else if (ch === '\r') {
      if (text.charAt(i + 1) !== '\n') throw new Error('CR without LF');
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else if (ch === '\n' || ch === '"') throw new Error(`bare ${JSON.stringify(ch)} at ${i}`);
    else field += text.charAt(i++);
  }
  if (field !== '' || record.length > 0) throw new Error('last record has no CRLF');
  return records;
}
