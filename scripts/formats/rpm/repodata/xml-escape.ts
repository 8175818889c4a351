/**
 * XML escaping for repodata text and attributes, matching what libxml2 (used by createrepo_c)
 * writes: & < > in text (and \r as &#13;); in attributes also " and \t \n \r as character
 * references. Characters XML 1.0 forbids (C0 controls other than \t \n \r, U+FFFE/U+FFFF,
 * lone surrogates) are dropped, since dnf's parser would reject the whole file.
 */
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Anything escapeText may change (\t and \n stay as they are); most strings have none of it. */
// eslint-disable-next-line no-control-regex
const TEXT_WORK = /[\u0000-\u0008\u000b-\u001f&<>\ud800-\udfff\ufffe\uffff]/;
/** Anything escapeAttr may change. */
// eslint-disable-next-line no-control-regex
const ATTR_WORK = /[\u0000-\u001f&<>"\ud800-\udfff\ufffe\uffff]/;

/** Escapes element text. */
export function escapeText(s: string): string {
  if (!TEXT_WORK.test(s)) return s;
  return s.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Escapes an attribute value (for use inside double quotes). */
export function escapeAttr(s: string): string {
  if (!ATTR_WORK.test(s)) return s;
  return escapeText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

/** `<name>text</name>`, or `<name/>` when empty (libxml2 writes empty text children that way). */
export function textElement(name: string, value: string): string {
  return value ? `<${name}>${escapeText(value)}</${name}>` : `<${name}/>`;
}

/** ` key="value"` for each defined entry, in order. */
export function attrs(pairs: [string, string | number | undefined][]): string {
  let out = '';
  for (const [k, v] of pairs) if (v !== undefined && v !== '') out += ` ${k}="${escapeAttr(String(v))}"`;
  return out;
}
