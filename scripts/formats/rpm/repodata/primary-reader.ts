/**
 * Streams an upstream primary.xml (rpm-md; element names as createrepo_c's
 * `xml_dump_primary.c` writes them) into one entry per `<package>`: NEVRA, the package
 * checksum, its size and location, and on request (for a dependency closure) its
 * provides, requires (with `pre="1"`), recommends, supplements and primary files. Parsed with saxes, so a primary of any size is read in
 * bounded memory and entities are decoded as XML says; `.gz` and `.zst` are decompressed.
 */
import type { Readable } from 'node:stream';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { SaxesParser } from 'saxes';
import type { Dependency } from '../package-record.ts';

/** One package as primary.xml describes it. `size` in bytes; `base` is `<location xml:base>`, if any. */
export interface PrimaryEntry {
  name: string; arch: string; epoch: string; version: string; release: string;
  checksumType: string; checksum: string; size: number; href: string; base?: string;
  /** With `{ deps: true }` only: dependencies as `<rpm:entry>` gives them, and the `<file>` paths. */
  deps?: PrimaryDeps;
}

/** The dependency lists a closure follows, and the files primary.xml lists for a package. */
export interface PrimaryDeps {
  provides: Dependency[]; requires: Dependency[]; recommends: Dependency[]; supplements: Dependency[];
  files: string[];
}

const DEP_LISTS: Record<string, keyof Omit<PrimaryDeps, 'files'>> = {
  'rpm:provides': 'provides', 'rpm:requires': 'requires', 'rpm:recommends': 'recommends',
  'rpm:supplements': 'supplements',
};

/** A `<rpm:entry>`'s attributes as a Dependency (flags as createrepo_c writes them: EQ, LT, GE, ...). */
function entryDep(a: Record<string, string>): Dependency {
  const d: Dependency = { name: a.name ?? '' };
  if (a.flags) Object.assign(d, { flags: a.flags, epoch: a.epoch ?? '0', version: a.ver ?? '' });
  if (a.flags && a.rel !== undefined) d.release = a.rel;
  if (a.pre === '1') d.pre = true;
  return d;
}

/** `name-[epoch:]version-release.arch`, the NEVRA as dnf prints it (epoch 0 left out). */
export const nevraOf = (p: PrimaryEntry) =>
  `${p.name}-${p.epoch && p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`;

/** A decompressor for a metadata file name, `undefined` for plain XML, `null` when not readable here (bz2, xz). */
export function decompressorFor(href: string): NodeJS.ReadWriteStream | undefined | null {
  if (href.endsWith('.gz')) return createGunzip();
  if (href.endsWith('.zst')) return createZstdDecompress();
  return href.endsWith('.xml') ? undefined : null;
}

/**
 * Reads every `<package>` of the primary.xml in `input` (compressed as `href`'s extension
 * says). Throws on malformed XML, a compression not readable here, or a package missing
 * name, arch, version, checksum, size or location.
 */
export async function readPrimaryEntries(input: Readable, href: string, o: { deps?: boolean } = {}):
  Promise<PrimaryEntry[]> {
  const out: PrimaryEntry[] = [];
  const parser = new SaxesParser({ xmlns: false });
  let cur: Partial<PrimaryEntry> | undefined;
  let depth = 0;
  let field: 'name' | 'arch' | 'checksum' | 'file' | undefined;
  let textBuf = '';
  let list: keyof Omit<PrimaryDeps, 'files'> | undefined;
  parser.on('opentag', (t) => {
    depth++;
    const a = t.attributes as Record<string, string>;
    if (t.name === 'package' && depth === 2) {
      cur = o.deps ? { deps: { provides: [], requires: [], recommends: [], supplements: [], files: [] } } : {};
      return;
    }
    if (cur?.deps && depth === 4) {
      list = DEP_LISTS[t.name];
      if (t.name === 'file') { field = 'file'; textBuf = ''; }
    }
    if (cur?.deps && list && depth === 5 && t.name === 'rpm:entry') cur.deps[list].push(entryDep(a));
    if (!cur || depth !== 3) return;
    if (t.name === 'name' || t.name === 'arch') { field = t.name; textBuf = ''; }
    else if (t.name === 'checksum') { field = 'checksum'; textBuf = ''; cur.checksumType = a.type; }
    else if (t.name === 'version') Object.assign(cur, { epoch: a.epoch ?? '0', version: a.ver, release: a.rel });
    else if (t.name === 'size') cur.size = Number(a.package);
    else if (t.name === 'location') { cur.href = a.href; if (a['xml:base']) cur.base = a['xml:base']; }
  });
  parser.on('text', (s) => { if (field) textBuf += s; });
  parser.on('closetag', (t) => {
    if (field === 'file' && depth === 4) {
      cur!.deps!.files.push(textBuf);
      field = undefined;
    }
    if (depth === 4) list = undefined;
    if (field && depth === 3) {
      if (field === 'checksum') cur!.checksum = textBuf.trim().toLowerCase();
      else cur![field as 'name' | 'arch'] = textBuf.trim();
      field = undefined;
    }
    if (t.name === 'package' && depth === 2 && cur) {
      const p = cur;
      cur = undefined;
      const missing = ['name', 'arch', 'version', 'checksum', 'checksumType', 'href']
        .filter((k) => !p[k as keyof PrimaryEntry]);
      if (missing.length || !Number.isFinite(p.size)) {
        throw new Error(`package ${out.length + 1} (${p.name ?? '?'}) lacks ${missing.join(', ') || 'size'}`);
      }
      out.push(p as PrimaryEntry);
    }
    depth--;
  });
  await feedXml(input, href, parser);
  return out;
}

/**
 * Streams `input` (compressed as `href`'s extension says) through `parser` and closes it.
 * Throws, before reading, for a compression not readable here (bz2, xz), and on malformed XML.
 */
export async function feedXml(input: Readable, href: string, parser: SaxesParser): Promise<void> {
  const d = decompressorFor(href);
  if (d === null) throw new Error(`${href}: compression not readable here (only .gz, .zst and plain .xml)`);
  if (d) input.once('error', (err) => (d as unknown as Readable).destroy(err));
  const source = (d ? (input.pipe(d) as unknown as Readable) : input).setEncoding('utf8');
  for await (const chunk of source) parser.write(chunk as string);
  parser.close();
}
