/**
 * Verifies a bundle before extraction, or an extracted tree, against its manifest: names
 * every missing, extra and corrupted file (and bad volumes, and a damaged archive).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import pMap from 'p-map';
import { DELTA_FILE, DELTA_SIG_FILE, DELTA_SUMS_FILE, MANIFEST_FILE, MANIFEST_SIG_FILE, SUMS_FILE, hashFile, listSite, sha256, sumsText, type BundleManifest, type DeltaManifest, type FileEntry } from './manifest.ts';
import { readBundle } from './read-bundle.ts';
import { unsafePaths } from './entry-path.ts';
import { sidecarVerdict, signatureVerdict, type SignatureVerdict } from './bundle-signature.ts';
import type { VerifyingKey } from '../trust/site-key.ts';

/** Verdict of a verification. Bytes read, seconds elapsed. */
export interface VerifyReport {
  target: string;
  kind: 'full' | 'delta' | 'directory';
  ok: boolean;
  files: number;
  missing: string[];
  extra: string[];
  corrupted: { path: string; reason: string }[];
  badVolumes: string[];
  /** Entries or listed paths that would leave the tree (see entry-path.ts), with why. */
  unsafe: string[];
  damaged?: string;
  /** One line per signature (the checksum file beside the bundle, the manifest, the delta list): signed by whom, checked or not. */
  signatures: string[];
  /** Why the signatures refuse the target (only when a key was given). */
  signatureProblems: string[];
  bytes: number;
  seconds: number;
}

const META = new Set([MANIFEST_FILE, SUMS_FILE, DELTA_FILE, DELTA_SUMS_FILE, MANIFEST_SIG_FILE, DELTA_SIG_FILE]);

/** Adds a signature verdict to the report. */
function addVerdict(r: VerifyReport, v: SignatureVerdict): void {
  r.signatures.push(v.note);
  if (v.problem) r.signatureProblems.push(v.problem);
}

function compare(expected: FileEntry[], seen: Map<string, { size: number; sha256: string }>, r: VerifyReport): void {
  const want = new Map(expected.map((f) => [f.path, f]));
  for (const f of expected) {
    const got = seen.get(f.path);
    if (!got) r.missing.push(f.path);
    else if (got.size !== f.size) r.corrupted.push({ path: f.path, reason: `size ${got.size}, manifest says ${f.size}` });
    else if (got.sha256 !== f.sha256) r.corrupted.push({ path: f.path, reason: 'sha256 does not match the manifest' });
  }
  for (const p of seen.keys()) if (!want.has(p) && !META.has(p)) r.extra.push(p);
  r.files = expected.length;
}

function finish(r: VerifyReport, started: number): VerifyReport {
  r.ok = !r.missing.length && !r.extra.length && !r.corrupted.length && !r.badVolumes.length && !r.unsafe.length && !r.damaged
    && !r.signatureProblems.length;
  r.seconds = (Date.now() - started) / 1000;
  return r;
}

const newReport = (target: string, kind: VerifyReport['kind']): VerifyReport => ({ target, kind, ok: false, files: 0, missing: [],
  extra: [], corrupted: [], badVolumes: [], unsafe: [], signatures: [], signatureProblems: [], bytes: 0, seconds: 0 });

/**
 * Verifies a bundle file (or its volumes) without extracting it; with `key`, its signatures too
 * (bundle-signature.ts). The checksum file beside it is checked first: when its signature refuses
 * the bundle, nothing else is read.
 */
export async function verifyBundle(bundle: string, onBytes?: (n: number) => void, key?: VerifyingKey): Promise<VerifyReport> {
  const started = Date.now();
  const r = newReport(bundle, 'full');
  addVerdict(r, await sidecarVerdict(bundle, key));
  if (r.signatureProblems.length) return finish(r, started);
  const seen = new Map<string, { size: number; sha256: string }>();
  const meta = new Map<string, Buffer>();
  const outcome = await readBundle(bundle, async (name: string, size: number, body: Readable) => {
    const h = createHash('sha256');
    const keep: Buffer[] = [];
    let n = 0;
    for await (const c of body) { h.update(c as Buffer); n += (c as Buffer).length; if (META.has(name)) keep.push(c as Buffer); }
    if (n !== size) throw new Error(`entry ${name} is cut short`);
    seen.set(name, { size, sha256: h.digest('hex') });
    if (META.has(name)) meta.set(name, Buffer.concat(keep));
  }, onBytes);
  r.badVolumes = outcome.badVolumes;
  r.unsafe = outcome.unsafe;
  r.bytes = outcome.bytes;
  if (outcome.damaged) r.damaged = `the archive cannot be read: ${outcome.damaged}`;
  const manifestBytes = meta.get(MANIFEST_FILE);
  let manifest: BundleManifest | undefined;
  try { manifest = manifestBytes && (JSON.parse(manifestBytes.toString('utf8')) as BundleManifest); } catch { r.corrupted.push({ path: MANIFEST_FILE, reason: 'not valid JSON' }); }
  if (!manifest) {
    if (!r.corrupted.length) r.missing.push(MANIFEST_FILE);
    return finish(r, started);
  }
  addVerdict(r, await signatureVerdict(MANIFEST_FILE, manifestBytes, meta.get(MANIFEST_SIG_FILE)?.toString('utf8'), key));
  const deltaBytes = meta.get(DELTA_FILE);
  if (deltaBytes) addVerdict(r, await signatureVerdict(DELTA_FILE, deltaBytes, meta.get(DELTA_SIG_FILE)?.toString('utf8'), key));
  if (deltaBytes) {
    r.kind = 'delta';
    let delta: DeltaManifest;
    try { delta = JSON.parse(deltaBytes.toString('utf8')) as DeltaManifest; } catch { r.corrupted.push({ path: DELTA_FILE, reason: 'not valid JSON' }); return finish(r, started); }
    if (delta.targetManifest !== sha256(manifestBytes!)) r.corrupted.push({ path: MANIFEST_FILE, reason: 'does not match the delta\'s target manifest checksum' });
    r.unsafe.push(...unsafePaths(delta.changed.map((f) => f.path), true), ...unsafePaths(delta.deleted, true));
    compare(delta.changed, seen, r);
  } else {
    r.unsafe.push(...unsafePaths(manifest.files.map((f) => f.path), true));
    compare(manifest.files, seen, r);
    if (meta.get(SUMS_FILE)?.toString('utf8') !== sumsText(manifest.files)) r.corrupted.push({ path: SUMS_FILE, reason: 'does not match the manifest' });
  }
  return finish(r, started);
}

/**
 * Verifies an extracted tree (`<dir>/airgap-mirror-manifest.json` and `<dir>/site/`); with `key`,
 * the manifest's signature (`airgap-mirror-manifest.json.asc` beside it) too.
 */
export async function verifyDirectory(dir: string, onBytes?: (n: number) => void, key?: VerifyingKey): Promise<VerifyReport> {
  const started = Date.now();
  const r = newReport(dir, 'directory');
  let manifest: BundleManifest;
  try {
    const bytes = await readFile(join(dir, MANIFEST_FILE));
    addVerdict(r, await signatureVerdict(MANIFEST_FILE, bytes, await readFile(join(dir, MANIFEST_SIG_FILE), 'utf8').catch(() => undefined), key));
    manifest = JSON.parse(bytes.toString('utf8')) as BundleManifest;
  } catch {
    r.missing.push(MANIFEST_FILE);
    return finish(r, started);
  }
  const seen = new Map<string, { size: number; sha256: string }>();
  const files = await listSite(join(dir, 'site')).catch(() => []);
  // 16 files hashed at a time: per-file latency, not bytes, dominates trees of small files.
  await pMap(files, async (f) => { seen.set(f.path, { size: f.size, sha256: await hashFile(f.abs, (n) => { r.bytes += n; onBytes?.(n); }) }); }, { concurrency: 16 });
  compare(manifest.files, seen, r);
  return finish(r, started);
}
