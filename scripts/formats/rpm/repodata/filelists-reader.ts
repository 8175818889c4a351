/**
 * Looks up paths in an upstream filelists.xml (rpm-md, as createrepo_c's
 * `xml_dump_filelists.c` writes it: `<package pkgid=…>` with `<file>` children) without
 * keeping the rest: only the wanted paths are collected, so a filelists of any size is read
 * in bounded memory. Used for file requires that primary.xml's short file list cannot answer.
 */
import type { Readable } from 'node:stream';
import { SaxesParser } from 'saxes';
import { feedXml } from './primary-reader.ts';

/**
 * The wanted paths each package ships, by pkgid (the package checksum primary.xml gives).
 * Throws on malformed XML or a compression not readable here.
 */
export async function lookupFilelists(input: Readable, href: string, wanted: Set<string>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const parser = new SaxesParser({ xmlns: false });
  let pkgid: string | undefined;
  let inFile = false;
  let text = '';
  parser.on('opentag', (t) => {
    if (t.name === 'package') pkgid = String((t.attributes as Record<string, string>).pkgid ?? '').toLowerCase();
    else if (t.name === 'file') { inFile = true; text = ''; }
  });
  parser.on('text', (s) => { if (inFile) text += s; });
  parser.on('closetag', (t) => {
    if (t.name !== 'file' || !inFile) return;
    inFile = false;
    if (pkgid && wanted.has(text)) {
      const list = out.get(pkgid);
      if (list) list.push(text);
      else out.set(pkgid, [text]);
    }
  });
  await feedXml(input, href, parser);
  return out;
}
