/**
 * Applies a delta bundle to an extracted older site: refuses unless the tree is exactly the
 * delta's base (manifest checksum and every file), stages the new files inside the tree,
 * then moves them in, deletes removed paths, writes the new manifest and SHA256SUMS, and
 * verifies the result against the new manifest.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { UsageError } from '../errors/exit-codes.ts';
import { DELTA_FILE, DELTA_SIG_FILE, MANIFEST_FILE, MANIFEST_SIG_FILE, SUMS_FILE, sha256, sumsText, type BundleManifest,
  type DeltaManifest } from './manifest.ts';
import { readBundle } from './read-bundle.ts';
import { unsafePaths } from './entry-path.ts';
import { resolveInside } from '../inside-root.ts';
import { verifyDirectory, type VerifyReport } from './verify-bundle.ts';
import { sidecarVerdict, signatureVerdict, type SignatureVerdict } from './bundle-signature.ts';
import type { VerifyingKey } from '../trust/site-key.ts';

/** Result: files written and deleted, and the verification of the updated tree. */
export interface ApplyResult { written: number; deleted: number; verify: VerifyReport }

/**
 * Applies `bundle` to `dir`; with `key`, only a bundle whose signatures (the checksum file beside
 * it, its manifest and delta list) verify with that key. Throws UsageError, before anything is
 * written into the tree, when the bundle is not a valid delta for this tree or a signature refuses it.
 */
export async function applyDelta(bundle: string, dir: string, key?: VerifyingKey): Promise<ApplyResult> {
  const refuse = (v: SignatureVerdict) => {
    if (v.problem) throw new UsageError(`${bundle}: nothing applied: ${v.problem}`);
  };
  refuse(await sidecarVerdict(bundle, key));
  const currentBytes = await readFile(join(dir, MANIFEST_FILE)).catch(() => { throw new UsageError(`${dir} has no ${MANIFEST_FILE}: not an extracted airgap-mirror bundle`); });
  const before = await verifyDirectory(dir);
  if (!before.ok) throw new UsageError(`${dir} does not match its own manifest (${before.missing.length} missing, ${before.extra.length} extra, ${before.corrupted.length} corrupted); refusing to apply`);
  const staging = join(dir, `.airgap-apply-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  const staged = new Map<string, string>();
  const meta = new Map<string, Buffer>();
  try {
    const outcome = await readBundle(bundle, async (name: string, _size: number, body: Readable) => {
      if (!name.startsWith('site/')) {
        const parts: Buffer[] = [];
        for await (const c of body) parts.push(c as Buffer);
        meta.set(name, Buffer.concat(parts));
        return;
      }
      const h = createHash('sha256');
      const target = join(staging, name);
      await mkdir(dirname(target), { recursive: true });
      await pipeline(body, new Transform({ transform(c: Buffer, _e, cb) { h.update(c); cb(null, c); } }), createWriteStream(target));
      staged.set(name, h.digest('hex'));
    });
    if (outcome.unsafe.length) throw new UsageError(`${bundle} names paths outside the tree; nothing applied: ${outcome.unsafe.join('; ')}`);
    if (outcome.badVolumes.length || outcome.damaged) throw new UsageError(`${bundle} is damaged: ${[...outcome.badVolumes, outcome.damaged].filter(Boolean).join('; ')}`);
    const deltaBytes = meta.get(DELTA_FILE), manifestBytes = meta.get(MANIFEST_FILE);
    if (!deltaBytes || !manifestBytes) throw new UsageError(`${bundle} is not a delta bundle (no ${DELTA_FILE})`);
    refuse(await signatureVerdict(DELTA_FILE, deltaBytes, meta.get(DELTA_SIG_FILE)?.toString('utf8'), key));
    refuse(await signatureVerdict(MANIFEST_FILE, manifestBytes, meta.get(MANIFEST_SIG_FILE)?.toString('utf8'), key));
    const delta = JSON.parse(deltaBytes.toString('utf8')) as DeltaManifest;
    if (delta.baseManifest !== sha256(currentBytes)) throw new UsageError(`${bundle} was made for a different base: ${dir} is not the site the delta starts from; refusing to apply`);
    if (delta.targetManifest !== sha256(manifestBytes)) throw new UsageError(`${bundle}: its manifest does not match the delta's target checksum`);
    const unsafe = [...unsafePaths(delta.changed.map((f) => f.path), true), ...unsafePaths(delta.deleted, true)];
    if (unsafe.length) throw new UsageError(`${bundle}: its delta lists paths outside site/; nothing applied: ${unsafe.join('; ')}`);
    for (const f of delta.changed) if (staged.get(f.path) !== f.sha256) throw new UsageError(`${bundle}: ${f.path} is missing or corrupted`);
    // every path is checked where it really leads (links in the tree included) before anything is written
    for (const p of [...delta.changed.map((f) => f.path), ...delta.deleted]) {
      await resolveInside(dir, p).catch((err: Error) => { throw new UsageError(`${bundle}: nothing applied: ${err.message}`); });
    }
    for (const f of delta.changed) {
      await mkdir(dirname(join(dir, f.path)), { recursive: true });
      await rename(join(staging, f.path), join(dir, f.path));
    }
    for (const p of delta.deleted) {
      await rm(join(dir, p), { force: true });
      // drop directories the deletion left empty (never the tree root or site/)
      for (let d = dirname(p); d.includes('/'); d = dirname(d)) if (!(await rmdir(join(dir, d)).then(() => true, () => false))) break;
    }
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as BundleManifest;
    await writeFile(join(dir, MANIFEST_FILE), manifestBytes);
    // the tree keeps the new manifest's signature (or none), so `verify --key DIR` checks it later
    const manifestSig = meta.get(MANIFEST_SIG_FILE);
    if (manifestSig) await writeFile(join(dir, MANIFEST_SIG_FILE), manifestSig);
    else await rm(join(dir, MANIFEST_SIG_FILE), { force: true });
    await writeFile(join(dir, SUMS_FILE), sumsText(manifest.files));
    return { written: delta.changed.length, deleted: delta.deleted.length, verify: await verifyDirectory(dir) };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
