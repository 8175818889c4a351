/**
 * primary.xml writer, one `<package>` at a time, in createrepo_c's layout
 * (src/xml_dump_primary.c): namespaces common + rpm, dependency entries with EVR attributes
 * only when flags are set, `pre="1"` on pre-requires, only primary files listed.
 */
import { DEPENDENCY_KINDS, type Dependency, type PackageRecord } from '../package-record.ts';
import { isPrimaryFile } from '../primary-files.ts';
import { attrs, escapeText, textElement } from './xml-escape.ts';

/** Document start; `count` is the number of `<package>` elements that will follow. */
export function primaryHead(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${count}">\n`;
}

/** Document end. */
export const PRIMARY_TAIL = '</metadata>\n';

/** `<version .../>` element shared by the three metadata files. */
export function versionElement(p: PackageRecord): string {
  return `<version${attrs([['epoch', p.epoch], ['ver', p.version], ['rel', p.release]])}/>`;
}

function entry(d: Dependency, withPre: boolean): string {
  const evr: [string, string | undefined][] = d.flags ? [['flags', d.flags], ['epoch', d.epoch], ['ver', d.version], ['rel', d.release]] : [];
  return `<rpm:entry${attrs([['name', d.name], ...evr, ['pre', withPre && d.pre ? '1' : undefined]])}/>`;
}

/** One package's `<package type="rpm">` element with a trailing newline. */
export function primaryPackageXml(p: PackageRecord): string {
  const out: string[] = [
    '<package type="rpm">',
    `  ${textElement('name', p.name)}`,
    `  ${textElement('arch', p.arch)}`,
    `  ${versionElement(p)}`,
    `  <checksum type="sha256" pkgid="YES">${p.pkgid}</checksum>`,
    `  ${textElement('summary', p.summary)}`,
    `  ${textElement('description', p.description)}`,
    `  ${textElement('packager', p.packager)}`,
    `  ${textElement('url', p.url)}`,
    `  <time${attrs([['file', p.timeFile], ['build', p.timeBuild]])}/>`,
    `  <size${attrs([['package', p.sizePackage], ['installed', p.sizeInstalled], ['archive', p.sizeArchive]])}/>`,
    `  <location${attrs([['href', p.locationHref]])}/>`,
    '  <format>',
    `    ${textElement('rpm:license', p.license)}`,
    `    ${textElement('rpm:vendor', p.vendor)}`,
    `    ${textElement('rpm:group', p.group)}`,
    `    ${textElement('rpm:buildhost', p.buildhost)}`,
    `    ${textElement('rpm:sourcerpm', p.sourcerpm)}`,
    `    <rpm:header-range start="${p.headerStart}" end="${p.headerEnd}"/>`,
  ];
  for (const kind of DEPENDENCY_KINDS) {
    const list = p.deps[kind];
    if (!list.length) continue;
    out.push(`    <rpm:${kind}>`);
    for (const d of list) out.push(`      ${entry(d, kind === 'requires')}`);
    out.push(`    </rpm:${kind}>`);
  }
  for (const f of p.files) {
    if (!isPrimaryFile(f.path)) continue;
    out.push(`    <file${f.type === 'file' ? '' : ` type="${f.type}"`}>${escapeText(f.path)}</file>`);
  }
  out.push('  </format>', '</package>', '');
  return out.join('\n');
}
