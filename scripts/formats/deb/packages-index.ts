/**
 * An upstream `Packages` index read into entries (deb822 paragraphs, Debian Policy §5.1 and the
 * repository format's binary index fields: https://wiki.debian.org/DebianRepository/Format):
 * `Package`, `Version`, `Architecture`, `Multi-Arch`, `Filename` (relative to the archive root),
 * `Size`, `SHA256`, `Priority`, `Source` and the relation fields, parsed only when first asked for.
 * Compressed variants (`.xz` by liblzma through lzma-native, `.gz`, `.bz2` unsupported) are unpacked first.
 */
import { gunzipSync } from 'node:zlib';
import lzma from 'lzma-native';
import { parseRelations, type DebRelation } from './control.ts';

/** One binary package of an index: the fields the sync and the closure use, and its paragraph as written. */
export interface AptIndexEntry {
  package: string; version: string; architecture: string;
  /** `same`, `foreign`, `allowed` or `no` (the default). */
  multiArch: string;
  filename: string; size: number; sha256: string;
  priority: string; source: string;
  /** Every field as written (continuation lines joined with `\n`). */
  fields: Record<string, string>;
  /** The paragraph's text, without the blank line after it. */
  stanza: string;
}

/** Unpacks a fetched index by its name's ending (`.xz`, `.gz`, none). Throws for another compression or bad data. */
export async function unpackIndex(name: string, data: Buffer): Promise<Buffer> {
  if (name.endsWith('.gz')) return gunzipSync(data);
  if (name.endsWith('.xz')) {
    return new Promise((resolve, reject) => {
      (lzma.decompress as (b: Buffer, o: object, done: (out: Buffer, err?: Error) => void) => void)(data, {},
        (out, err) => (err || !out ? reject(err ?? new Error('xz data unreadable')) : resolve(out)));
    });
  }
  if (/\.(bz2|lzma|zst)$/.test(name)) throw new Error(`${name}: compression not read here (only .xz, .gz and plain)`);
  return data;
}

/** Parses one paragraph's lines into fields. */
function fieldsOf(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  let last = '';
  for (const line of lines) {
    const c = line.charCodeAt(0);
    if ((c === 32 || c === 9) && last) out[last] += `\n${line}`;
    else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon);
      out[last] = line.slice(colon + 1).trim();
    }
  }
  return out;
}

/**
 * Parses Packages text into entries, in file order. A paragraph without Package, Version,
 * Filename, Size or SHA256 is skipped and counted in `skipped` (apt cannot fetch it either).
 */
export function parsePackagesIndex(text: string): { entries: AptIndexEntry[]; skipped: number } {
  const entries: AptIndexEntry[] = [];
  let skipped = 0;
  for (const para of text.split(/\n[ \t]*\n/)) {
    const stanza = para.replace(/^\n+|\n+$/g, '');
    if (!stanza) continue;
    const f = fieldsOf(stanza.split('\n'));
    const size = Number(f.Size);
    const hashed = /^[0-9a-f]{64}$/i.test(f.SHA256 ?? '');
    if (!f.Package || !f.Version || !f.Filename || !Number.isSafeInteger(size) || !hashed) {
      skipped++;
      continue;
    }
    entries.push({
      package: f.Package, version: f.Version, architecture: f.Architecture ?? 'all', multiArch: f['Multi-Arch'] ?? 'no',
      filename: f.Filename, size, sha256: f.SHA256!.toLowerCase(), priority: f.Priority ?? 'optional',
      source: (f.Source ?? f.Package).split(' ')[0]!, fields: f, stanza,
    });
  }
  return { entries, skipped };
}

/**
 * The entry of a package known by its control paragraph (a `.deb` read from the mirror), as a
 * Packages index would list it at `filename` with `size` bytes and `sha256`.
 */
export function entryOfControl(control: Record<string, string>, filename: string, size: number, sha256: string):
  AptIndexEntry {
  return {
    package: control.Package ?? '', version: control.Version ?? '', architecture: control.Architecture ?? 'all',
    multiArch: control['Multi-Arch'] ?? 'no', filename, size, sha256, priority: control.Priority ?? 'optional',
    source: (control.Source ?? control.Package ?? '').split(' ')[0]!, fields: control, stanza: '',
  };
}

/** Parsed relations per entry and field, computed once. */
const relationCache = new WeakMap<AptIndexEntry, Map<string, DebRelation[]>>();

/** The relations of `field` (`Depends`, `Pre-Depends`, `Recommends`, `Provides`, …) of an entry, parsed once. */
export function relationsOf(e: AptIndexEntry, field: string): DebRelation[] {
  let m = relationCache.get(e);
  if (!m) relationCache.set(e, m = new Map());
  let r = m.get(field);
  if (!r) m.set(field, r = parseRelations(e.fields[field]));
  return r;
}

/** `name_version_arch`, the way apt and dpkg name one package version (and the .deb file). */
export const debNva = (e: Pick<AptIndexEntry, 'package' | 'version' | 'architecture'>) =>
  `${e.package}_${e.version}_${e.architecture}`;
