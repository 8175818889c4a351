/**
 * XML escaping for repodata text and attributes, matching what libxml2 (used by createrepo_c)
 * writes: & < > in text (and \r as &#13;); in attributes also " and \t \n \r as character
 * references. Characters XML 1.0 forbids (C0 controls other than \t \n \r, U+FFFE/U+FFFF,
 * lone surrogates) are dropped, since dnf's parser would reject the whole file.
 */
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Escapes element text. */
export function escapeText(s: string): string {
  return s.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Escapes an attribute value (for use inside double quotes). */
export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

/** `<name>text</name>`, or `<name/>` when empty (libxml2 writes empty text children that way). */
export function textElement(name: string, value: string): string {
  return value ? `<${name}>${escapeText(value)}</${name}>` : `<${name}/>`;
}

/** ` key="value"` for each defined entry, in order. */
export function attrs(pairs: [string, string | number | undefined][]): string {
  return pairs.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`).join('');
}
