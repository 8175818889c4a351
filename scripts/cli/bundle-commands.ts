/**
 * `bundle`, `verify` and `apply`: carry a built site across the air gap. Progress (MB and
 * MB/s) on a TTY; a summary with throughput at the end; exit 0 clean, 2 when verification
 * finds problems, 1 for bad arguments.
 */
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import bytes from 'bytes';
import cliProgress from 'cli-progress';
import type { VerifyReport } from '../bundle/verify-bundle.ts';
import { ExitCode, UsageError } from '../errors/exit-codes.ts';

const mb = (n: number) => (n / 1e6).toFixed(1);
const rate = (n: number, s: number) => `${(n / 1e6 / Math.max(s, 1e-3)).toFixed(1)} MB/s`;

/** A TTY progress bar over a byte total; a no-op elsewhere. */
function byteProgress(total: number, label: string) {
  if (!process.stderr.isTTY || !total) return { tick: (_n: number) => {}, stop: () => {} };
  const started = Date.now();
  const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {done}/{all} MB | {rate} MB/s`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
  let done = 0;
  bar.start(total, 0, { done: '0.0', all: mb(total), rate: '0.0' });
  return {
    tick: (n: number) => { done += n; bar.update(done, { done: mb(done), rate: (done / 1e6 / Math.max((Date.now() - started) / 1000, 1e-3)).toFixed(1) }); },
    stop: () => bar.stop(),
  };
}

/** Prints a verification report: one line per problem, then a summary. */
export function printReport(r: VerifyReport): void {
  for (const v of r.badVolumes) process.stderr.write(`bad volume: ${v}\n`);
  if (r.damaged) process.stderr.write(`damaged: ${r.damaged}\n`);
  for (const p of r.missing) process.stderr.write(`missing: ${p}\n`);
  for (const p of r.extra) process.stderr.write(`extra: ${p}\n`);
  for (const c of r.corrupted) process.stderr.write(`corrupted: ${c.path}: ${c.reason}\n`);
  for (const u of r.unsafe) process.stderr.write(`unsafe: ${u}\n`);
  for (const s of r.signatureProblems) process.stderr.write(`signature: ${s}\n`);
  for (const s of r.signatures) process.stdout.write(`  ${s}\n`);
  const problems = r.missing.length + r.extra.length + r.corrupted.length + r.badVolumes.length + r.unsafe.length + (r.damaged ? 1 : 0)
    + r.signatureProblems.length;
  process.stdout.write(`${r.ok ? 'OK' : 'FAILED'}: ${r.target} (${r.kind}), ${r.files} files, ${mb(r.bytes)} MB read in ${r.seconds.toFixed(1)} s (${rate(r.bytes, r.seconds)}), ${problems} problems\n`);
}

/**
 * The key that signs a bundle of `site`: `--signing-key`, else the site key the build made beside
 * `--site` when there is one (never made here), else none.
 */
async function bundleSigningKey(site: string, keyFile: string | undefined, passphraseFile: string | undefined) {
  const { passphraseFrom, readSigningKey, siteKeyFileFor } = await import('../trust/site-key.ts');
  const file = keyFile ?? siteKeyFileFor(site);
  if (!keyFile && !(await stat(file).then(() => true, () => false))) return undefined;
  return readSigningKey(file, await passphraseFrom(passphraseFile));
}

/** Adds bundle, verify and apply to the program (their modules load when the command runs). */
export function addBundleCommands(program: Command): void {
  program.command('bundle')
    .description('archive a built site (tar, optionally zstd) with a manifest and SHA256SUMS; reproducible')
    .requiredOption('--site <dir>', 'built site').requiredOption('--out <file>', 'bundle file (e.g. site.tar or site.tar.zst)')
    .option('--zstd', 'compress with zstd').option('--split <size>', 'write volumes of at most this size (e.g. 4GB, 700MB)')
    .option('--since <manifest>', 'make a delta against this manifest (airgap-mirror-manifest.json of the other side)')
    .option('--signing-key <file>', 'sign with this armored private key (default: the site key the build made beside --site)')
    .option('--passphrase-file <file>', 'passphrase of the signing key (else $AIRGAP_MIRROR_KEY_PASSPHRASE)')
    .option('--no-sign', 'write an unsigned bundle')
    .action(async (o) => {
      const signing = o.sign === false ? undefined : await bundleSigningKey(o.site, o.signingKey, o.passphraseFile);
      const splitBytes = o.split === undefined ? undefined : bytes.parse(o.split);
      if (o.split !== undefined && !(splitBytes && splitBytes > 0)) throw new UsageError(`--split ${o.split}: expected a size like 700MB or 4GB`);
      let p = byteProgress(0, ''); // the bar starts once the bundle writer has listed the site
      const { writeBundle } = await import('../bundle/write-bundle.ts');
      const r = await writeBundle({
        siteDir: o.site, outFile: o.out, zstd: !!o.zstd || String(o.out).endsWith('.zst'), ...(splitBytes ? { splitBytes } : {}), ...(o.since ? { sinceManifest: o.since } : {}),
        onTotal: (total) => { p = byteProgress(total, o.since ? 'hashing' : 'bundling'); }, onBytes: (n) => p.tick(n),
        ...(signing ? { signingKey: signing } : {}),
      }).finally(() => p.stop());
      process.stdout.write(`${r.kind === 'delta' ? 'Delta' : 'Full'} bundle: ${r.files} files${r.kind === 'delta' ? ` changed, ${r.deleted} deleted` : ''}, ${mb(r.bytesIn)} MB in, ${mb(r.bytesOut)} MB out, ${r.seconds.toFixed(1)} s (${rate(r.bytesIn, r.seconds)})\n`);
      for (const f of r.outputs) process.stdout.write(`  ${f}\n`);
      process.stdout.write(r.signedBy ? `Signed by ${r.signedBy}: check it on the other side with verify --key <public key>.\n`
        : 'Unsigned: no site key beside --site and no --signing-key (or --no-sign).\n');
    });

  program.command('verify')
    .description('verify a bundle before extraction, or an extracted directory, against its manifest')
    .argument('<bundle-or-dir>')
    .option('--key <public-key>', 'require signatures by this key (site-key.pub.asc, obtained out of band)')
    .action(async (target: string, o) => {
      const { verifyBundle, verifyDirectory } = await import('../bundle/verify-bundle.ts');
      const key = o.key ? await (await import('../trust/site-key.ts')).readVerifyingKey(o.key) : undefined;
      const isDir = await stat(target).then((s) => s.isDirectory(), () => false);
      const p = byteProgress(0, 'verifying');
      const r = isDir ? await verifyDirectory(target, p.tick, key)
        : await verifyBundle(target, p.tick, key).catch((e) => { throw new UsageError(`${target}: ${(e as Error).message}`); });
      p.stop();
      printReport(r);
      process.exitCode = r.ok ? ExitCode.OK : ExitCode.PARTIAL;
    });

  program.command('apply')
    .description('apply a delta bundle to an extracted older site (refuses when the base does not match)')
    .argument('<delta>').requiredOption('--to <dir>', 'extracted site (holding airgap-mirror-manifest.json)')
    .option('--key <public-key>', 'apply only a delta signed by this key (refused before anything is written)')
    .action(async (delta: string, o) => {
      const { applyDelta } = await import('../bundle/apply-delta.ts');
      const key = o.key ? await (await import('../trust/site-key.ts')).readVerifyingKey(o.key) : undefined;
      const r = await applyDelta(delta, o.to, key);
      process.stdout.write(`Applied ${delta}: ${r.written} files written, ${r.deleted} deleted\n`);
      printReport(r.verify);
      process.exitCode = r.verify.ok ? ExitCode.OK : ExitCode.PARTIAL;
    });
}
