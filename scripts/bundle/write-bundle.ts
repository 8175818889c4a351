/**
 * Writes a bundle of a built site with tar-stream: `site/...` entries sorted by path with
 * fixed owner (0/0), mode (0644) and mtime, then the manifest and SHA256SUMS, so the same
 * site gives the same bytes. Each file is read once, hashed as it streams into the archive,
 * so memory stays flat whatever the site size. Optional zstd (node:zlib, content checksum
 * on) and splitting into volumes. A delta bundle (`sinceManifest`) carries only new and
 * changed files plus the list of deleted paths and the complete new manifest.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PassThrough, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createZstdCompress } from 'node:zlib';
import pMap from 'p-map';
import tar from 'tar-stream';
import { UsageError } from '../errors/exit-codes.ts';
import {
  DELTA_FILE, DELTA_SIG_FILE, DELTA_SUMS_FILE, MANIFEST_FILE, MANIFEST_SIG_FILE, SMALL_FILE_BYTES, SUMS_FILE, hashFile, jsonBytes, listSite, makeManifest, readListedFile, repoRevisions, sha256, sumsText,
  type BundleManifest, type DeltaManifest, type FileEntry,
} from './manifest.ts';
import { SplitWriter, volumeSumsName } from './split-writer.ts';
import { detachSign, type SigningKey } from '../trust/site-key.ts';
import { SITE_MARKER } from '../site/output-dir.ts';

/** Fixed mtime of every entry (2000-01-01T00:00:00Z): bundles do not depend on when files were written. */
export const ENTRY_MTIME = new Date(946684800 * 1000);

/** Options of writeBundle. Sizes in bytes. */
export interface BundleOptions {
  siteDir: string;
  outFile: string;
  zstd?: boolean;
  /** Volume size; when set, writes `<outFile>.part-NNN` and `<outFile>.parts.sha256` instead of one file. */
  splitBytes?: number;
  /** Path of the manifest of the site the other side has: makes a delta bundle. */
  sinceManifest?: string;
  /** Called once the site is listed, with the bytes that will be read (its total size). */
  onTotal?: (bytes: number) => void;
  /** Called with bytes read from the site as they are archived (or hashed, for deltas). */
  onBytes?: (n: number) => void;
  /**
   * Signs the bundle: a detached signature of the manifest (and of the delta list) inside it,
   * and of the `.sha256` or `.parts.sha256` file beside it (`<file>.asc`).
   */
  signingKey?: SigningKey;
}

/** What was written: counts, bytes in (site) and out (archive), seconds, output files, the signing key's fingerprint. */
export interface BundleResult {
  kind: 'full' | 'delta'; files: number; deleted: number; bytesIn: number; bytesOut: number; seconds: number; outputs: string[];
  signedBy?: string;
}

async function readManifest(file: string): Promise<{ manifest: BundleManifest; bytes: Buffer }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
    const manifest = JSON.parse(bytes.toString('utf8')) as BundleManifest;
    if (manifest.format !== 'airgap-mirror-bundle/1') throw new Error('not an airgap-mirror manifest');
    return { manifest, bytes };
  } catch (err) {
    throw new UsageError(`--since ${file}: ${(err as Error).message}`);
  }
}

/** Writes the bundle; throws UsageError for a bad --since manifest or site. */
export async function writeBundle(o: BundleOptions): Promise<BundleResult> {
  const started = Date.now();
  const marker = await stat(join(o.siteDir, SITE_MARKER))
    .catch(() => { throw new UsageError(`--site ${o.siteDir} is not a site built by airgap-mirror`); });
  // signatures dated when the site was built: the same site and key always give the same bytes
  const sign = (data: Uint8Array) => detachSign(o.signingKey!, data, marker.mtime);
  const site = await listSite(o.siteDir).catch((e) => { throw new UsageError(`--site ${o.siteDir}: ${(e as Error).message}`); });
  o.onTotal?.(site.reduce((s, f) => s + f.size, 0));
  const hashes = new Map<string, string>();
  let include = site;
  let delta: DeltaManifest | undefined;
  let base: { manifest: BundleManifest; bytes: Buffer } | undefined;
  if (o.sinceManifest) {
    base = await readManifest(o.sinceManifest);
    await pMap(site, async (f) => { hashes.set(f.path, await hashFile(f.abs, o.onBytes)); }, { concurrency: 16 });
    const old = new Map(base.manifest.files.map((f) => [f.path, f.sha256]));
    include = site.filter((f) => old.get(f.path) !== hashes.get(f.path));
  }

  // Output: tar → [zstd] → counter → file or volumes.
  let bytesOut = 0;
  const whole = createHash('sha256');
  const counter = new Transform({ transform(chunk: Buffer, _e, cb) { bytesOut += chunk.length; whole.update(chunk); cb(null, chunk); } });
  const tmp = `${o.outFile}.partial`;
  if (o.splitBytes) for (const n of await readdir(dirname(o.outFile)).catch(() => [] as string[])) if (n.startsWith(`${basename(o.outFile)}.part-`)) await rm(join(dirname(o.outFile), n));
  const sink: Writable = o.splitBytes ? new SplitWriter(o.outFile, o.splitBytes) : createWriteStream(tmp);
  const pack = tar.pack();
  const compress = o.zstd ? createZstdCompress({ params: { [constants.ZSTD_c_compressionLevel]: 3, [constants.ZSTD_c_checksumFlag]: 1 } }) : new PassThrough();
  const done = pipeline(pack as unknown as NodeJS.ReadableStream, compress, counter, sink);

  const header = (name: string, size: number) => ({ name, size, mode: 0o644, mtime: ENTRY_MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root', type: 'file' as const });
  const addBuffer = (name: string, data: Buffer) => new Promise<void>((res, rej) => pack.entry(header(name, data.length), data, (err) => (err ? rej(err) : res())));
  try {
    // Small files (pages, repodata, most RPMs) are read whole with one synchronous call:
    // per-file latency, not bytes, dominates a site of many small files.
    for (const f of include) {
      let digest: string;
      if (f.size <= SMALL_FILE_BYTES) {
        const data = readListedFile(f.abs, f.size);
        if (data.length !== f.size) throw new Error(`${f.abs} changed size while being bundled`);
        digest = sha256(data);
        if (!o.sinceManifest) o.onBytes?.(data.length);
        await addBuffer(f.path, data);
      } else {
        const h = createHash('sha256');
        let seen = 0;
        const entry = pack.entry(header(f.path, f.size));
        const tap = new Transform({ transform(chunk: Buffer, _e, cb) { h.update(chunk); seen += chunk.length; if (!o.sinceManifest) o.onBytes?.(chunk.length); cb(null, chunk); } });
        await pipeline(createReadStream(f.abs, { highWaterMark: 1 << 20 }), tap, entry as unknown as NodeJS.WritableStream);
        if (seen !== f.size) throw new Error(`${f.abs} changed size while being bundled`);
        digest = h.digest('hex');
      }
      if (hashes.has(f.path) && hashes.get(f.path) !== digest) throw new Error(`${f.abs} changed while being bundled`);
      hashes.set(f.path, digest);
    }
    const files: FileEntry[] = site.map((f) => ({ path: f.path, size: f.size, sha256: hashes.get(f.path)! }));
    const manifest = makeManifest(files, await repoRevisions(o.siteDir, files));
    const manifestBytes = jsonBytes(manifest);
    if (base) {
      const now = new Set(files.map((f) => f.path));
      delta = {
        format: 'airgap-mirror-delta/1', baseManifest: sha256(base.bytes), targetManifest: sha256(manifestBytes),
        changed: files.filter((f) => include.some((i) => i.path === f.path)), deleted: base.manifest.files.map((f) => f.path).filter((p) => !now.has(p)),
      };
      const deltaBytes = jsonBytes(delta);
      await addBuffer(DELTA_FILE, deltaBytes);
      if (o.signingKey) await addBuffer(DELTA_SIG_FILE, Buffer.from(await sign(deltaBytes)));
      await addBuffer(DELTA_SUMS_FILE, Buffer.from(sumsText(delta.changed)));
    }
    await addBuffer(MANIFEST_FILE, manifestBytes);
    if (o.signingKey) await addBuffer(MANIFEST_SIG_FILE, Buffer.from(await sign(manifestBytes)));
    await addBuffer(SUMS_FILE, Buffer.from(sumsText(files)));
    pack.finalize();
    await done;
  } catch (err) {
    pack.destroy(err as Error);
    await done.catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  const outputs: string[] = [];
  let sums: string;
  if (o.splitBytes) {
    sums = volumeSumsName(o.outFile);
    outputs.push(...(sink as SplitWriter).volumes.map(([f]) => f), sums);
  } else {
    await rename(tmp, o.outFile);
    sums = `${o.outFile}.sha256`;
    await writeFile(sums, `${whole.digest('hex')}  ${basename(o.outFile)}\n`);
    outputs.push(o.outFile, sums);
  }
  if (o.signingKey) {
    await writeFile(`${sums}.asc`, await sign(await readFile(sums)));
    outputs.push(`${sums}.asc`);
  }
  return {
    ...(o.signingKey ? { signedBy: o.signingKey.fingerprint } : {}),
    kind: delta ? 'delta' : 'full', files: include.length, deleted: delta?.deleted.length ?? 0,
    bytesIn: include.reduce((s, f) => s + f.size, 0), bytesOut, seconds: (Date.now() - started) / 1000, outputs,
  };
}
