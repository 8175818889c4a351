/** filelists.xml writer in createrepo_c's layout (src/xml_dump_filelists.c): every file, dir/ghost typed. */
import type { PackageRecord } from '../package-record.ts';
import { versionElement } from './primary-xml.ts';
import { attrs, escapeText } from './xml-escape.ts';

/** Document start for `count` packages. */
export function filelistsHead(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="${count}">\n`;
}

/** Document end. */
export const FILELISTS_TAIL = '</filelists>\n';

/** One package's `<package>` element with a trailing newline. */
export function filelistsPackageXml(p: PackageRecord): string {
  const lines = [`<package${attrs([['pkgid', p.pkgid], ['name', p.name], ['arch', p.arch]])}>`, `  ${versionElement(p)}`];
  for (const f of p.files) lines.push(`  <file${f.type === 'file' ? '' : ` type="${f.type}"`}>${escapeText(f.path)}</file>`);
  lines.push('</package>', '');
  return lines.join('\n');
}
