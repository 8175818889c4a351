/** other.xml writer in createrepo_c's layout (src/xml_dump_other.c): changelog entries, oldest first. */
import type { PackageRecord } from '../package-record.ts';
import { versionElement } from './primary-xml.ts';
import { attrs, escapeText } from './xml-escape.ts';

/** Document start for `count` packages. */
export function otherHead(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<otherdata xmlns="http://linux.duke.edu/metadata/other" packages="${count}">\n`;
}

/** Document end. */
export const OTHER_TAIL = '</otherdata>\n';

/** One package's `<package>` element with a trailing newline. */
export function otherPackageXml(p: PackageRecord): string {
  const lines = [`<package${attrs([['pkgid', p.pkgid], ['name', p.name], ['arch', p.arch]])}>`, `  ${versionElement(p)}`];
  for (const c of p.changelogs) lines.push(`  <changelog${attrs([['author', c.author], ['date', c.date]])}>${escapeText(c.text)}</changelog>`);
  lines.push('</package>', '');
  return lines.join('\n');
}
