/**
 * `airgap-mirror build`: thin layer over buildSite with a progress bar on a TTY (files
 * read, MB hashed), one line per problem, a summary, and the exit code.
 */
import cliProgress from 'cli-progress';
import { buildSite, type BuildResult } from '../site/build-site.ts';
import { appendFile } from 'node:fs/promises';
import { DEB_LEFT_OUT } from '../errors/catalogue.ts';
import { DiagnosticPrinter } from '../errors/diagnostic-printer.ts';
import { watchTreeMemory } from '../process-tree-memory.ts';
import { readBuildConfig, parseRepoOption, type BuildConfig } from '../scan/build-config.ts';
import type { RepoSpec } from '../scan/find-repos.ts';
import type { PackageReader } from '../scan/reader-pool.ts';
import { UsageError } from '../errors/exit-codes.ts';
import { resolveSettings } from '../generators/settings.ts';
import { readClusterData } from '../cluster/cluster-data.ts';
import { passphraseFrom } from '../trust/site-key.ts';

/** Parsed options of the build command. */
export interface BuildCommandOptions { sign?: boolean; signingKey?: string; passphraseFile?: string; allowShrink?: boolean; log?: string; nodes?: string; imagesCheck?: string; mirror: string; out: string; repo?: string[]; baseUrl?: string; config?: string; changelogLimit?: string; verifySignatures?: boolean; keepCorrupt?: boolean; workers?: string; cache?: boolean; repodataOnly?: boolean; repodata?: 'regenerate' | 'auto' | 'keep' }

/** File system errors that mean the output cannot be written, with what to do. */
const WRITE_ERRORS = new Map([
  ['ENOSPC', 'Free space on that file system (the new site is built beside --out, so it needs room for a second copy).'],
  ['EDQUOT', 'Raise the disk quota or free space.'],
  ['EROFS', 'The file system is read-only: choose an --out on a writable one.'],
  ['EACCES', 'Give the user running airgap-mirror write permission on the directory holding --out.'],
  ['EPERM', 'Give the user running airgap-mirror write permission on the directory holding --out.'],
]);

const withPassphrase = (passphrase: string | undefined) => (passphrase ? { passphrase } : {});

/**
 * Runs the build and returns the process exit code (0 clean, 2 inputs skipped, 1 nothing usable);
 * `reader` is the package reader when the caller made it (and started its threads) early.
 */
export async function runBuild(opts: BuildCommandOptions, reader?: PackageReader): Promise<number> {
  const config: Partial<BuildConfig> & { repos: RepoSpec[] } = opts.config ? await readBuildConfig(opts.config) : { repos: [] };
  const repos = opts.repo?.length ? opts.repo.map(parseRepoOption) : config.repos;
  const baseUrl = opts.baseUrl ?? config.baseUrl;
  if (opts.imagesCheck && !opts.nodes) throw new UsageError('--images-check needs --nodes (the node list it was checked for)');
  const settings = config.settings ?? resolveSettings(undefined);
  const cluster = opts.nodes ? await readClusterData(opts.nodes, settings, opts.imagesCheck) : undefined;
  const multi = process.stderr.isTTY
    ? new cliProgress.MultiBar({ format: '{phase} [{bar}] {value}/{total} files | {mb} MB hashed', stream: process.stderr, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic)
    : undefined;
  let bar: cliProgress.SingleBar | undefined;
  let mb = 0;
  const say = (line: string) => (multi ? multi.log(line + '\n') : process.stderr.write(line + '\n'));
  const printer = new DiagnosticPrinter({ write: say, ...(opts.log ? { logFile: opts.log } : {}) });
  const memory = watchTreeMemory();
  const result = await buildSite(
    {
      mirrorDir: opts.mirror, outDir: opts.out, repos, ...(reader ? { reader } : {}), ...(baseUrl ? { baseUrl } : {}),
      ...(config.settings ? { settings: config.settings } : {}), ...(cluster ? { cluster } : {}),
      ...(config.sync?.closure ? { preflight: config.sync.closure } : {}),
      ...(opts.changelogLimit ? { changelogLimit: Number(opts.changelogLimit) } : {}),
      verifySignatures: opts.verifySignatures !== false, keepCorrupt: !!opts.keepCorrupt,
      ...(opts.workers ? { workers: Number(opts.workers) } : {}), allowShrink: !!opts.allowShrink,
      sign: opts.sign === false ? false : { ...(opts.signingKey ? { keyFile: opts.signingKey } : {}),
        ...withPassphrase(await passphraseFrom(opts.passphraseFile)) },
      cache: opts.cache !== false, repodataOnly: !!opts.repodataOnly, repodata: opts.repodata ?? 'regenerate',
    },
    {
      phase: (name, total) => {
        if (name === 'read') bar = multi?.create(total ?? 0, 0, { phase: 'reading', mb: '0.0' });
        if (name === 'pages') bar?.update({ phase: 'rendering pages' });
      },
      file: () => bar?.increment(1, { mb: mb.toFixed(1) }),
      bytes: (n) => { mb += n / 1e6; },
      diagnostic: (d) => printer.print(d),
    },
  ).catch((err: NodeJS.ErrnoException) => {
    // the site could not be written (full disk, read-only or forbidden directory): one line, the old site stands
    if (err.code && WRITE_ERRORS.has(err.code)) {
      throw new UsageError(`cannot write the site (${err.code}${err.path ? ` at ${err.path}` : ''}); the previous site at `
        + `${opts.out} is intact and nothing was left beside it. ${WRITE_ERRORS.get(err.code)}`);
    }
    throw err;
  }).finally(() => { multi?.stop(); memory.stop(); printer.close(); });
  for (const line of printer.summaryLines('on the site\'s problems page (_site/verify/)')) process.stderr.write(`${line}\n`);
  const text = summary(result, opts.out, memory.peak());
  if (opts.log) await appendFile(opts.log, text);
  process.stdout.write(text);
  return result.exitCode;
}

/** The end-of-run summary printed on stdout; `peakBytes` is the peak resident memory of the whole process tree. */
export function summary(r: BuildResult, out: string, peakBytes: number): string {
  const lines = r.notSwapped ? [`Not swapped in: ${r.notSwapped}.`] : [];
  lines.push(`${r.notSwapped ? 'Read' : `Built ${out}`}: ${r.repos.length} repos, ${r.packages} packages, ${(r.bytesHashed / 1e6).toFixed(1)} MB hashed in ${r.seconds.toFixed(1)} s on ${r.threads} thread${r.threads === 1 ? '' : 's'} (${r.cacheHits} from the cache, ${r.linked} hard-linked, ${r.copied} copied).`);
  if (r.pagesRendered + r.pagesReused) {
    const split = { here: '', shared: '; rendered in 2 processes',
      child: '; rendered in a child process while the search index was written' }[r.renderMode ?? 'here'];
    lines.push(`Package pages: ${r.pagesRendered} rendered, ${r.pagesReused} unchanged and taken from the previous site${split}.`);
  }
  for (const repo of r.repos) lines.push(`  ${repo.id.padEnd(40)} ${String(repo.packages).padStart(6)} packages  ${repo.path || '.'}/  [${repo.metadata.join(', ')}]`);
  const t = r.trust.reduce((a, { trust: x }) => ({ checked: a.checked + x.checked, verified: a.verified + x.verified, corrupt: a.corrupt + x.corrupt, unsigned: a.unsigned + x.unsigned, unknownKey: a.unknownKey + x.unknownKey }), { checked: 0, verified: 0, corrupt: 0, unsigned: 0, unknownKey: 0 });
  const digestFailures = r.diagnostics.filter((d) => d.code === 'rpm-digest-mismatch' || d.code === 'rpm-bad-signature').length;
  lines.push(`Integrity: ${t.checked + digestFailures - t.corrupt} packages checked (digests${r.trust.some((x) => x.trust.verifySignatures && x.trust.keys.length) ? ' and signatures' : ''}), ${digestFailures} corrupted or badly signed, ${t.verified} signature-verified, ${t.unsigned} unsigned, ${t.unknownKey} signed by keys not in the mirror.`);
  const apt = r.repos.filter((x) => x.metadata[0] === 'apt');
  if (apt.length) {
    const debs = apt.reduce((n, x) => n + x.packages, 0), left = r.diagnostics.filter((d) => DEB_LEFT_OUT.has(d.code)).length;
    lines.push(`apt: ${debs} .deb files indexed in ${apt.length} repo${apt.length === 1 ? '' : 's'}, `
      + `${left} left out (each named above).`);
  }
  const errors = r.diagnostics.filter((d) => d.level === 'error').length;
  const warnings = r.diagnostics.length - errors;
  lines.push(errors || warnings ? `${errors} inputs skipped, ${warnings} warnings (see the lines above).` : 'No problems found.');
  lines.push(`Peak memory: ${Math.round(peakBytes / 2 ** 20)} MB (this process and the ones it started, e.g. the search indexer).`);
  if (r.signedBy && !r.notSwapped) {
    lines.push(`Signed every repomd.xml and apt Release it wrote with ${r.signedBy.created ? 'a new site key' : 'the key'} ${r.signedBy.fingerprint} `
      + `(private key ${r.signedBy.file}; public key in the site: _site/keys/site-key.pub.asc). Give nodes this fingerprint to check.`);
  }
  if (r.packages && !r.notSwapped) lines.push(`Serve it with any static web server, e.g.: python3 -m http.server --directory ${out} 8080`);
  return lines.join('\n') + '\n';
}
