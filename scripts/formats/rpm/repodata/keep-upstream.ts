/**
 * Reusing an input repo's own repodata (`--repodata keep|auto`): the upstream primary.xml is
 * read as a stream (location, package size, checksum of each package) and compared with the
 * files on disk; when it describes exactly them, the upstream repodata/ is served verbatim
 * (repomd.xml and its detached signature included, so repo_gpgcheck keeps working), after
 * each file is checked against its repomd checksum.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { readRegularFile } from '../../../read-regular-file.ts';
import { basename, join } from 'node:path';
import { decompressorFor, readPrimaryEntries } from './primary-reader.ts';
import type { PackageRecord } from '../package-record.ts';
import { nodeHash, type UpstreamData } from './upstream-metadata.ts';
import type { RepomdRecord } from './repomd-xml.ts';

/** What upstream primary.xml says about one package file. */
export interface UpstreamPackage { size: number; checksum: string; checksumType: string }

/**
 * Reads upstream primary.xml into href → size/checksum; undefined when its compression is not
 * readable here (bz2, xz). Throws on malformed XML.
 */
export async function readUpstreamPrimary(repoDir: string, primary: UpstreamData): Promise<Map<string, UpstreamPackage> | undefined> {
  if (decompressorFor(primary.href) === null) return undefined;
  const entries = await readPrimaryEntries(createReadStream(join(repoDir, primary.href)), primary.href);
  return new Map(entries.map((e) => [e.href, { size: e.size, checksum: e.checksum, checksumType: e.checksumType }]));
}

/**
 * Why upstream repodata does not describe `packages` exactly, or undefined when it does: every
 * listed file on disk, every file listed, each of the same size and checksum. A sha256 checksum
 * is compared with the pkgid the reader computed; any other type (sha1 or `sha`, sha512, sha224,
 * sha384, md5) is computed from the file in `repoDir`; a type Node does not know is a mismatch.
 */
export async function upstreamMismatch(repoDir: string, packages: PackageRecord[], upstream: Map<string, UpstreamPackage>):
  Promise<string | undefined> {
  const ours = new Map(packages.map((p) => [p.locationHref, p]));
  const missing = [...upstream.keys()].filter((h) => !ours.has(h));
  const unlisted = [...ours.keys()].filter((h) => !upstream.has(h));
  const differ: string[] = [];
  for (const p of ours.values()) {
    const u = upstream.get(p.locationHref);
    if (u && (u.size !== p.sizePackage || await checksumOf(join(repoDir, p.locationHref), u.checksumType, p) !== u.checksum)) {
      differ.push(p.locationHref);
    }
  }
  const parts = [
    missing.length && `${missing.length} listed packages are not on disk (e.g. ${missing[0]})`,
    unlisted.length && `${unlisted.length} packages on disk are not listed (e.g. ${unlisted[0]})`,
    differ.length && `${differ.length} packages differ in size or checksum (e.g. ${differ[0]})`,
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : undefined;
}

/** The `type` checksum of the package file `file` (hex), or undefined for a type Node cannot compute. */
async function checksumOf(file: string, type: string, p: PackageRecord): Promise<string | undefined> {
  if (type === 'sha256') return p.pkgid;
  let h: Hash;
  try {
    h = createHash(nodeHash(type));
  } catch {
    return undefined;
  }
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Copies every file of the upstream repodata (as listed in repomd.xml) plus repomd.xml and
 * its `.asc`/`.key` companions into `<repoOut>/repodata`, verifying each listed checksum.
 * Returns the repomd records, or throws naming the first file that does not match.
 */
export async function copyUpstreamRepodata(repoIn: string, repoOut: string, all: UpstreamData[], timestamp: number): Promise<RepomdRecord[]> {
  const dir = join(repoOut, 'repodata');
  await mkdir(dir, { recursive: true });
  const records: RepomdRecord[] = [];
  for (const e of all) {
    const data = await readRegularFile(join(repoIn, e.href));
    if (createHash(nodeHash(e.checksumType)).update(data).digest('hex') !== e.checksum) throw new Error(`${e.href} does not match its ${e.checksumType} in repomd.xml`);
    await writeFile(join(dir, basename(e.href)), data); // the bytes just checked, not a second read
    records.push({ type: e.type, href: `repodata/${basename(e.href)}`, checksum: e.checksum, checksumType: e.checksumType, timestamp: e.timestamp ?? timestamp, size: data.length,
      ...(e.openChecksum ? { openChecksum: e.openChecksum, openChecksumType: e.openChecksumType ?? e.checksumType } : {}), ...(e.openSize !== undefined ? { openSize: e.openSize } : {}) });
  }
  for (const n of ['repomd.xml', 'repomd.xml.asc', 'repomd.xml.key']) {
    if (await stat(join(repoIn, 'repodata', n)).then(() => true, () => false)) await copyFile(join(repoIn, 'repodata', n), join(dir, n));
  }
  return records;
}
