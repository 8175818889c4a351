/**
 * Carries extra metadata (comps/group, updateinfo, modules, ...) from an input repo's
 * existing repodata/ into the new one, like `createrepo_c --keep-all-metadata`. Each file is
 * checked against the checksum the upstream repomd.xml gives before it is carried.
 */
import { createHash } from 'node:crypto';
import { sha256 } from '../../../sha256.ts';
import { writeFile } from 'node:fs/promises';
import { readRegularFile } from '../../../read-regular-file.ts';
import type { MetadataFilter } from './subset-metadata.ts';
import { basename, join } from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import xml2js from 'xml2js';
import type { RepomdRecord } from './repomd-xml.ts';

/** Metadata types we regenerate ourselves, so never carried (incl. sqlite and zchunk forms). */
const REGENERATED = /^(primary|filelists|other)(_db|_zck)?$|_zck$/;

/** A problem with one upstream metadata file (the file is then not carried). */
export interface UpstreamProblem { file: string; type: string; reason: string }

/** One `<data>` entry of an upstream repomd.xml; `size` and `openSize` in bytes, `timestamp` epoch seconds. */
export interface UpstreamData {
  type: string; href: string; checksum: string; checksumType: string;
  openChecksum?: string; openChecksumType?: string; openSize?: number; size?: number; timestamp?: number;
}

const first = (v: unknown): string | undefined => {
  const x = Array.isArray(v) ? v[0] : v;
  if (x === undefined || x === null) return undefined;
  return typeof x === 'object' ? (x as { _?: string })._ : String(x);
};
const attr = (v: unknown, name: string): string | undefined => {
  const x = Array.isArray(v) ? v[0] : v;
  return (x as { $?: Record<string, string> } | undefined)?.$?.[name];
};

/** What an upstream repomd.xml lists: revision, every entry (`all`) and those build carries (`extras`). */
export interface UpstreamRepomd { revision?: string; all: UpstreamData[]; extras: UpstreamData[] }

/** Parses repomd.xml text (rpm-md format, createrepo_c's `repomd.c`). Throws on invalid XML or no `<repomd>` root. */
export async function parseRepomd(xml: string): Promise<UpstreamRepomd> {
  const doc = await xml2js.parseStringPromise(xml);
  const repomd = doc?.repomd;
  if (!repomd) throw new Error('repomd.xml has no <repomd> root');
  const all: UpstreamData[] = [];
  for (const d of repomd.data ?? []) {
    const type = d.$?.type as string;
    if (!type) continue;
    const href = attr(d.location, 'href');
    const checksum = first(d.checksum);
    if (!href || !checksum) continue;
    const entry: UpstreamData = { type, href, checksum, checksumType: attr(d.checksum, 'type') ?? 'sha256' };
    const oc = first(d['open-checksum']);
    if (oc) { entry.openChecksum = oc; entry.openChecksumType = attr(d['open-checksum'], 'type') ?? 'sha256'; }
    const os = first(d['open-size']);
    if (os) entry.openSize = Number(os);
    const size = first(d.size);
    if (size) entry.size = Number(size);
    const ts = first(d.timestamp);
    if (ts) entry.timestamp = Number(ts);
    all.push(entry);
  }
  return { revision: first(repomd.revision), all, extras: all.filter((e) => !REGENERATED.test(e.type)) };
}

/** Largest repomd.xml read, in bytes: real ones are a few KB (one `<data>` per metadata file). */
export const REPOMD_MAX_BYTES = 4 << 20;

/**
 * Reads `<repoDir>/repodata/repomd.xml` (see parseRepomd). Throws on unreadable/invalid XML, or
 * one larger than REPOMD_MAX_BYTES (refused before it is read, so it cannot exhaust memory).
 */
export async function readUpstreamRepomd(repoDir: string): Promise<UpstreamRepomd> {
  const file = join(repoDir, 'repodata', 'repomd.xml');
  const data = await readRegularFile(file, REPOMD_MAX_BYTES).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EFBIG') throw err;
    throw new Error(`repomd.xml is ${err.message.split(' ')[0]} bytes; real ones are a few KB (refused above ${REPOMD_MAX_BYTES})`);
  });
  return parseRepomd(data.toString('utf8'));
}

/** Node hash name of a repomd checksum type (`sha` is SHA-1). */
export const nodeHash = (type: string) => (type === 'sha' ? 'sha1' : type);

function decompress(name: string, data: Buffer): Buffer | undefined {
  if (name.endsWith('.gz')) return gunzipSync(data);
  if (name.endsWith('.zst')) return zstdDecompressSync(data);
  if (/\.(xml|yaml|json)$/.test(name)) return data;
  return undefined; // .bz2/.xz: keep upstream's open-checksum
}

/**
 * Verifies and copies each carried file into `outRepodataDir`, returning repomd records
 * (sha256 checksums recomputed) and the problems found. `timestamp` is used when upstream has none.
 * `filter` rewrites a file's bytes after its checksum is checked (a synced subset, see subset-metadata.ts).
 */
export async function carryUpstreamMetadata(repoDir: string, outRepodataDir: string, extras: UpstreamData[], timestamp: number,
  filter?: MetadataFilter): Promise<{ records: RepomdRecord[]; problems: UpstreamProblem[] }> {
  const records: RepomdRecord[] = [];
  const problems: UpstreamProblem[] = [];
  for (const e of extras) {
    const file = join(repoDir, e.href);
    let data: Buffer;
    try {
      data = await readRegularFile(file);
    } catch (err) {
      problems.push({ file, type: e.type, reason: `listed in repomd.xml but cannot be read (${(err as NodeJS.ErrnoException).code ?? err})` });
      continue;
    }
    let actual: string;
    try {
      actual = createHash(nodeHash(e.checksumType)).update(data).digest('hex');
    } catch {
      problems.push({ file, type: e.type, reason: `unknown checksum type ${e.checksumType}` });
      continue;
    }
    if (actual !== e.checksum) {
      problems.push({ file, type: e.type, reason: `${e.checksumType} is ${actual}, repomd.xml says ${e.checksum}` });
      continue;
    }
    const name = basename(e.href);
    if (filter) data = await filter(e.type, name, data);
    await writeFile(join(outRepodataDir, name), data);
    const record: RepomdRecord = { type: e.type, href: `repodata/${name}`, checksum: sha256(data), checksumType: 'sha256', timestamp: e.timestamp ?? timestamp, size: data.length };
    const open = decompress(name, data);
    if (open && open !== data) {
      record.openChecksum = sha256(open);
      record.openChecksumType = 'sha256';
      record.openSize = open.length;
    } else if (!open && e.openChecksum) {
      record.openChecksum = e.openChecksum;
      record.openChecksumType = e.openChecksumType;
      if (e.openSize !== undefined) record.openSize = e.openSize;
    }
    records.push(record);
  }
  return { records, problems };
}
