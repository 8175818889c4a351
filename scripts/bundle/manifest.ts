/**
 * The bundle manifest: every file of the site with its size (bytes) and sha256, each repo's
 * repomd revision and the tool version, as canonical JSON (sorted, no timestamps) so the
 * same site always gives the same bytes. Paths are relative to the bundle root and start
 * with `site/`. `SHA256SUMS` lists the same files in the format `sha256sum -c` reads.
 */
import { createHash } from 'node:crypto';
import { sha256 } from '../sha256.ts';
import { closeSync, createReadStream, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TOOL_VERSION } from '../tool-version.ts';

/** Name of the manifest at the bundle (and extracted tree) root. */
export const MANIFEST_FILE = 'airgap-mirror-manifest.json';
/** Checksums of every site file, for `sha256sum -c` after extraction. */
export const SUMS_FILE = 'SHA256SUMS';
/** Present only in delta bundles: what changed relative to the base manifest. */
export const DELTA_FILE = 'airgap-mirror-delta.json';
/** Detached armored signatures of the manifest and of the delta list, in a signed bundle. */
export const MANIFEST_SIG_FILE = `${MANIFEST_FILE}.asc`;
export const DELTA_SIG_FILE = `${DELTA_FILE}.asc`;
/** Checksums of the files a delta bundle carries. */
export const DELTA_SUMS_FILE = 'SHA256SUMS.delta';
/** Directory inside the bundle holding the site. */
export const SITE_ROOT = 'site';

/** One file: bundle-relative path, size in bytes, sha256 (lowercase hex). */
export interface FileEntry { path: string; size: number; sha256: string }

/** The full description of a site tree. */
export interface BundleManifest {
  format: 'airgap-mirror-bundle/1';
  toolVersion: string;
  repos: { path: string; revision: string }[];
  files: FileEntry[];
}

/** What a delta bundle changes: manifests are identified by the sha256 of their bytes. */
export interface DeltaManifest {
  format: 'airgap-mirror-delta/1';
  baseManifest: string;
  targetManifest: string;
  changed: FileEntry[];
  deleted: string[];
}

/** Canonical bytes of a manifest (or delta): JSON with a trailing newline. */
export function jsonBytes(doc: object): Buffer {
  return Buffer.from(JSON.stringify(doc, null, 1) + '\n');
}

export { sha256 };

/** `SHA256SUMS` text for files (two spaces, as sha256sum writes in text mode). */
export function sumsText(files: FileEntry[]): string {
  return files.map((f) => `${f.sha256}  ${f.path}\n`).join('');
}

/**
 * Every regular file under `siteDir` as bundle paths with sizes, sorted by path (byte order).
 * Synchronous calls inside: a site is tens of thousands of small files and directories, and
 * a thread-pool round trip per stat costs more than the stat (3 s against 0.3 s for a site
 * of 10,000 packages). Rejects with the fs error of a directory or file that cannot be read.
 */
export async function listSite(siteDir: string): Promise<{ path: string; abs: string; size: number }[]> {
  const out: { path: string; abs: string; size: number }[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(siteDir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push({ path: `${SITE_ROOT}/${r}`, abs: join(siteDir, r), size: statSync(join(siteDir, r)).size });
    }
  };
  walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Files up to this size (bytes) are read whole with synchronous calls (readListedFile): for
 * the many small files of a site that beats readFile's four thread-pool round trips (open,
 * stat, read, close) several times over. Larger ones stream in 1 MiB chunks.
 */
export const SMALL_FILE_BYTES = 4 << 20;

/**
 * Reads a file whose size was just listed (`size`, bytes): open, one read of up to
 * `size + 1` bytes, close. Skips readFileSync's fstat (the size is known), and the extra
 * byte shows a file that grew since: the result's length differs from `size` whenever the
 * file changed size. Throws the fs error when the file cannot be read.
 */
export function readListedFile(path: string, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size + 1);
  const fd = openSync(path, 'r');
  try {
    let got = 0;
    for (let n; got < buf.length && (n = readSync(fd, buf, got, buf.length - got, got)) > 0;) got += n;
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** sha256 of a file (read whole up to SMALL_FILE_BYTES, streamed above); `onBytes` gets each chunk's length. */
export async function hashFile(path: string, onBytes?: (n: number) => void): Promise<string> {
  const s = statSync(path);
  if (s.size <= SMALL_FILE_BYTES) {
    const data = readListedFile(path, s.size);
    onBytes?.(data.length);
    return sha256(data);
  }
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    onBytes?.((chunk as Buffer).length);
  }
  return h.digest('hex');
}

/** Repomd revisions of the repos of a site (from each repodata/repomd.xml), sorted by path. */
export async function repoRevisions(siteDir: string, files: { path: string }[]): Promise<{ path: string; revision: string }[]> {
  const out: { path: string; revision: string }[] = [];
  for (const f of files) {
    if (!f.path.endsWith('/repodata/repomd.xml')) continue;
    const xml = await readFile(join(siteDir, f.path.slice(SITE_ROOT.length + 1)), 'utf8');
    out.push({ path: f.path.slice(SITE_ROOT.length + 1, -'/repodata/repomd.xml'.length), revision: /<revision>([^<]*)<\/revision>/.exec(xml)?.[1] ?? '' });
  }
  return out;
}

/** Builds a manifest object from hashed files and revisions. */
export function makeManifest(files: FileEntry[], repos: { path: string; revision: string }[]): BundleManifest {
  return { format: 'airgap-mirror-bundle/1', toolVersion: TOOL_VERSION, repos, files };
}
