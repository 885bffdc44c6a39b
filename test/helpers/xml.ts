/** A strict XML well-formedness checker for the SVG tests (no XML parser is a dependency). */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * A strict well-formedness check for the subset an SVG writer produces (XML 1.0): declaration,
 * comments, elements, attributes, character data and the five predefined entities or numeric
 * references. Throws on anything else: unbalanced tags, duplicate attributes, bare `&` or `<`,
 * characters XML cannot hold, more than one root.
 */
export function parseXml(input: string): XmlElement {
  const invalidChar = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.exec(input);
  if (invalidChar !== null) throw new Error(`character U+${invalidChar[0].codePointAt(0)?.toString(16)} is not allowed`);
  let pos = 0;
  const NAME = /[A-Za-z_:][A-Za-z0-9_.:-]*/y;
  const fail = (why: string): never => {
    throw new Error(`${why} at ${pos}: ${JSON.stringify(input.slice(pos, pos + 40))}`);
  };
  const skipSpace = () => {
    while (/\s/.test(input.charAt(pos))) pos += 1;
  };
  const name = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(input);
    if (m === null) return fail('expected a name');
    pos += m[0].length;
    return m[0];
  };
  const decode = (raw: string): string => {
    return raw.replace(/&([^;]*);?/g, (whole, ref: string) => {
      if (!whole.endsWith(';')) return fail('unterminated entity');
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (named[ref] !== undefined) return named[ref];
      const num = /^#(\d+)$/.exec(ref)?.[1] ?? /^#x([0-9a-fA-F]+)$/.exec(ref)?.[1];
      if (num === undefined) return fail(`unknown entity &${ref};`);
      return String.fromCodePoint(ref.startsWith('#x') ? parseInt(num, 16) : parseInt(num, 10));
    });
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (input.startsWith('<!--', pos)) {
        const end = input.indexOf('-->', pos + 4);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (input.charAt(pos) !== '<') fail('expected <');
    pos += 1;
    const tag = name();
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = pos;
      skipSpace();
      if (input.startsWith('/>', pos)) {
        pos += 2;
        return { name: tag, attrs, children: [], text: '' };
      }
      if (input.charAt(pos) === '>') {
        pos += 1;
        break;
      }
      if (pos === before) fail('expected space between attributes');
      const attr = name();
      if (attr in attrs) fail(`duplicate attribute ${attr}`);
      skipSpace();
      if (input.charAt(pos) !== '=') fail('expected =');
      pos += 1;
      skipSpace();
      const quote = input.charAt(pos);
      if (quote !== '"' && quote !== "'") fail('expected a quoted value');
      const end = input.indexOf(quote, pos + 1);
      if (end < 0) fail('unterminated attribute');
      const raw = input.slice(pos + 1, end);
      if (raw.includes('<')) fail('< in an attribute value');
      attrs[attr] = decode(raw);
      pos = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      const lt = input.indexOf('<', pos);
      if (lt < 0) fail(`unclosed <${tag}>`);
      const raw = input.slice(pos, lt);
      if (raw.includes(']]>')) fail(']]> in text');
      text += decode(raw);
      pos = lt;
      if (input.startsWith('</', pos)) {
        pos += 2;
        if (name() !== tag) fail(`mismatched end tag for <${tag}>`);
        skipSpace();
        if (input.charAt(pos) !== '>') fail('expected >');
        pos += 1;
        return { name: tag, attrs, children, text };
      }
      if (input.startsWith('<!--', pos)) {
        const end = input.indexOf('-->', pos + 4);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
        continue;
      }
      if (input.startsWith('<!', pos) || input.startsWith('<?', pos)) fail('DTDs, CDATA and processing instructions are not expected');
      children.push(element());
    }
  };
  if (input.startsWith('<?xml')) {
    const end = input.indexOf('?>');
    if (end < 0) fail('unterminated declaration');
    if (!/^<\?xml version="1\.0"( encoding="UTF-8")?\?>$/.test(input.slice(0, end + 2))) fail('unexpected declaration');
    pos = end + 2;
  }
  skipMisc();
  const root = element();
  skipMisc();
  if (pos !== input.length) fail('content after the root element');
  return root;
}

export function all(el: XmlElement, predicate: (e: XmlElement) => boolean): XmlElement[] {
  return [...(predicate(el) ? [el] : []), ...el.children.flatMap((child) => all(child, predicate))];
}

export function textOf(el: XmlElement): string {
  return el.text + el.children.map(textOf).join('');
}
