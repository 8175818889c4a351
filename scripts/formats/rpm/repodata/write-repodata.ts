/**
 * Writes a repo's repodata/: primary, filelists and other (.xml.gz, streamed package by
 * package), carried upstream extras, and repomd.xml last. File names are
 * `<sha256>-<type>.xml.gz` like createrepo_c's default (`--unique-md-filenames`).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackageRecord } from '../package-record.ts';
import { GzipMetadataWriter } from './metadata-file.ts';
import { primaryHead, primaryPackageXml, PRIMARY_TAIL } from './primary-xml.ts';
import { filelistsHead, filelistsPackageXml, FILELISTS_TAIL } from './filelists-xml.ts';
import { otherHead, otherPackageXml, OTHER_TAIL } from './other-xml.ts';
import { repomdXml, type RepomdRecord } from './repomd-xml.ts';

/** Input of writeRepodata. */
export interface WriteRepodataOptions {
  /** Output repo root; repodata/ is created inside it. */
  repoOutDir: string;
  /** Packages in the order they are written (callers sort by location). */
  packages: PackageRecord[];
  /** repomd revision and timestamps, epoch seconds. */
  revision: number;
  /** Extra records whose files the caller already placed in repodata/ (see carryUpstreamMetadata). */
  extras?: RepomdRecord[];
}

const WRITERS = [
  ['primary', primaryHead, primaryPackageXml, PRIMARY_TAIL],
  ['filelists', filelistsHead, filelistsPackageXml, FILELISTS_TAIL],
  ['other', otherHead, otherPackageXml, OTHER_TAIL],
] as const;

/** Writes the three package metadata files and repomd.xml; returns the repomd records written. */
export async function writeRepodata(o: WriteRepodataOptions): Promise<RepomdRecord[]> {
  const dir = join(o.repoOutDir, 'repodata');
  await mkdir(dir, { recursive: true });
  // One pass over the packages feeds all three files, so their gzip streams compress in
  // parallel on the thread pool.
  const writers = WRITERS.map(([type, head, body, tail]) => {
    const tmp = join(dir, `.${type}.xml.gz.tmp`);
    return { type, head: head(o.packages.length), body, tail, tmp, w: new GzipMetadataWriter(tmp) };
  });
  for (const x of writers) await x.w.write(x.head);
  for (const p of o.packages) for (const x of writers) await x.w.write(x.body(p));
  for (const x of writers) await x.w.write(x.tail);
  const infos = await Promise.all(writers.map((x) => x.w.finish()));
  const records: RepomdRecord[] = [];
  for (const [i, x] of writers.entries()) {
    const info = infos[i]!;
    const name = `${info.checksum}-${x.type}.xml.gz`;
    await rename(x.tmp, join(dir, name));
    records.push({ type: x.type, href: `repodata/${name}`, checksum: info.checksum, checksumType: 'sha256', openChecksum: info.openChecksum, openChecksumType: 'sha256', timestamp: o.revision, size: info.size, openSize: info.openSize });
  }
  const all = [...records, ...[...(o.extras ?? [])].sort((a, b) => a.type.localeCompare(b.type))];
  await writeFile(join(dir, 'repomd.xml'), repomdXml(String(o.revision), all));
  return all;
}
