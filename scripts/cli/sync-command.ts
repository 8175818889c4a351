/**
 * `airgap-mirror sync`: thin layer over runSync with the plan (dry run), a progress bar on a
 * TTY (files, MB, rate, ETA), one line per problem with what to do, and a summary per repo.
 */
import cliProgress from 'cli-progress';
import bytes from 'bytes';
import { appendFile } from 'node:fs/promises';
import { DiagnosticPrinter } from '../errors/diagnostic-printer.ts';
import { ExitCode, UsageError } from '../errors/exit-codes.ts';
import { readConfigFile } from '../config/read-config.ts';
import { SyncSchema, type SyncConfig } from '../config/config-schema.ts';
import { importRepoFile } from '../sync/repo-file-import.ts';
import { importSourcesFile } from '../sync/sources-file-import.ts';
import { readLockfile } from '../sync/sync-lockfile.ts';
import { runSync, type RepoSummary, type SyncResult } from '../sync/run-sync.ts';
import { readNodePools } from '../cluster/node-pools.ts';
import { resolveSettings } from '../generators/settings.ts';

/** Parsed options of the sync command. */
export interface SyncCommandOptions {
  config?: string; mirror: string; repoFile?: string[]; sourcesFile?: string[]; var?: string[]; dryRun?: boolean;
  jobs?: string;
  delete?: boolean; force?: boolean; lock?: string; fromLock?: string; timeout?: string; nodes?: string; log?: string;
}

const mb = (n: number) => bytes(n, { unitSeparator: ' ', decimalPlaces: 1 }) ?? '0 B';

/** The sync block from the config file and the imported `.repo` files, command-line values winning. */
async function syncConfig(o: SyncCommandOptions): Promise<{ config: SyncConfig; openshiftVersion: string }> {
  const file = o.config ? await readConfigFile(o.config) : undefined;
  const config = SyncSchema.parse(file?.sync ?? {});
  const { openshiftVersion } = resolveSettings(file?.settings);
  const vars = Object.fromEntries((o.var ?? []).map((v) => {
    const eq = v.indexOf('=');
    if (eq < 1) throw new UsageError(`--var ${v}: expected NAME=VALUE`);
    return [v.slice(0, eq), v.slice(eq + 1)];
  }));
  for (const f of o.repoFile ?? []) config.repos.push(...await importRepoFile(f, vars));
  for (const f of o.sourcesFile ?? []) config.repos.push(...await importSourcesFile(f));
  const int = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} ${v}: expected a whole number of at least 1`);
    return n;
  };
  config.jobs = int(o.jobs, 'jobs') ?? config.jobs;
  config.timeout = int(o.timeout, 'timeout') ?? config.timeout;
  if (!config.repos.length && !o.fromLock) {
    throw new UsageError('no repos to sync: give --config FILE with a sync.repos list, --repo-file FILE '
      + 'or --sources-file FILE');
  }
  return { config, openshiftVersion };
}

/** `items` joined with ", " in lines of at most `width` characters, each indented by `indent`. */
function wrap(items: string[], indent: string, width = 118): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const it of items) {
    if (cur && indent.length + cur.length + it.length + 2 > width) { lines.push(`${indent}${cur},`); cur = ''; }
    cur = cur ? `${cur}, ${it}` : it;
  }
  return cur ? [...lines, `${indent}${cur}`] : lines;
}

/** The closure part of the summary: per node pool its roots (listed in a dry run), closure size and what is missing. */
function poolLines(r: SyncResult, dryRun: boolean): string[] {
  if (!r.pools.length) return [];
  const lines = ['Dependency closure per node pool:'];
  for (const p of r.pools) {
    const nodes = p.nodes.length ? `${p.nodes.length} node${p.nodes.length > 1 ? 's' : ''} (${p.nodes.join(', ')})`
      : 'from sync.closure.kernels';
    lines.push(p.kernel ? `  ${p.id}: kernel ${p.kernel}, ${p.arch}, ${nodes}`
      : `  ${p.id}: the packages of sync.closure and sync.repos[].packages, ${p.arch} (no kernel: no profile)`);
    lines.push(`    ${p.roots.length} root packages${dryRun ? ' (below)' : ''}, closure ${p.packages} packages (${mb(p.bytes)})`
      + `${p.missing.length ? `, ${p.missing.length} missing upstream` : ''}`
      + `${p.unmet.length ? `, ${p.unmet.length} unresolved` : ''}`);
    if (dryRun) lines.push(...wrap(p.roots, '      '));
    for (const m of p.missing) lines.push(`    MISSING ${m}`);
    for (const u of p.unmet) lines.push(`    UNRESOLVED ${u}`);
  }
  return lines;
}

/** One row of the summary table. */
function row(r: RepoSummary, dryRun: boolean): string {
  const fetched = dryRun ? `${r.toFetch} to fetch (${mb(r.toFetchBytes)})`
    : `${r.fetched} fetched (${mb(r.fetchedBytes)})`;
  const removed = r.removed ? `, ${r.removed} ${dryRun ? 'to delete' : 'deleted'} (${mb(r.removeBytes)})` : '';
  const failed = r.failed ? `, ${r.failed} failed` : '';
  return `  ${r.id.padEnd(36)} ${r.status.padEnd(10)} ${r.subset ? 'subset' : 'whole '}  ${fetched}, `
    + `${r.present} present (${mb(r.presentBytes)})${removed}${failed}; ${r.format === 'deb' ? 'indices' : 'repodata'} `
    + r.repodata;
}

/** The end-of-run summary printed on stdout. */
export function syncSummary(r: SyncResult, dryRun: boolean): string {
  const lines = [dryRun ? 'Plan (dry run, nothing written):'
    : `Synced in ${r.seconds.toFixed(1)} s, ${mb(r.bytesFetched)} received:`];
  for (const repo of r.repos) lines.push(row(repo, dryRun));
  lines.push(...poolLines(r, dryRun));
  for (const { id, snapshot } of r.repos) {
    if (snapshot) lines.push(`  ${id}: the archive as it was at snapshot ${snapshot.id}, read from ${snapshot.url}`);
  }
  for (const repo of r.repos.filter((x) => x.subset)) {
    lines.push(`  ${repo.id}: subset of upstream (${repo.reasons.join('; ')}); ` + (repo.format === 'deb'
      ? 'upstream indices are not kept: build writes its own (suite stable, component main), signed by the site key.'
      : 'build regenerates its repodata, so the upstream repomd.xml signature no longer applies to what the site '
        + 'serves.'));
  }
  lines.push(`Disk: ${mb(r.needBytes)} to fetch, ${mb(r.freeBytes)} free.`);
  if (r.refusedForSpace) lines.push('Not started: the plan does not fit on the disk (free space, or pass --force).');
  const errors = r.diagnostics.filter((d) => d.level === 'error').length;
  lines.push(errors ? `${errors} problems (see the lines above); run sync again to retry what failed.`
    : 'No problems found.');
  return lines.join('\n') + '\n';
}

/** Runs the sync and returns the exit code (0 all fetched, 2 some files failed, 1 nothing started). */
export async function runSyncCommand(o: SyncCommandOptions): Promise<number> {
  const { config, openshiftVersion } = await syncConfig(o);
  const pools = o.nodes ? await readNodePools(o.nodes, openshiftVersion) : undefined;
  const fromLock = o.fromLock ? await readLockfile(o.fromLock) : undefined;
  const bar = process.stderr.isTTY && !o.dryRun ? new cliProgress.SingleBar({
    format: 'sync [{bar}] {percentage}% | {files}/{totalFiles} files | {mbDone}/{mbTotal} | {rate}/s'
      + ' | ETA {eta_formatted}',
    stream: process.stderr, hideCursor: true, etaBuffer: 50,
  }, cliProgress.Presets.shades_classic) : undefined;
  let files = 0, totalFiles = 0, done = 0;
  const t0 = Date.now();
  const payload = () => ({ files, totalFiles, mbDone: mb(done), mbTotal: mb(bar?.getTotal() ?? 0),
    rate: mb(done / Math.max(0.001, (Date.now() - t0) / 1000)) });
  const say = (line: string) => process.stderr.write(`${bar ? '\r\x1b[K' : ''}${line}\n`);
  const printer = new DiagnosticPrinter({ write: say, hints: true, ...(o.log ? { logFile: o.log } : {}) });
  const result = await runSync({
    mirrorDir: o.mirror, config, dryRun: !!o.dryRun, delete: !!o.delete, force: !!o.force,
    ...(o.lock ? { lockOut: o.lock } : {}), ...(fromLock ? { fromLock } : {}), ...(pools ? { pools } : {}),
  }, {
    start: (n, total) => { totalFiles = n; bar?.start(Math.max(total, 1), 0, payload()); },
    bytes: (n) => { done += n; bar?.update(done, payload()); },
    file: () => { files++; bar?.update(done, payload()); },
    diagnostic: (d) => printer.print(d),
    removing: (repo, path) => say(`${o.dryRun ? 'would delete' : 'delete'}: ${repo}/${path}`),
  }).finally(() => { bar?.stop(); printer.close(); });
  for (const line of printer.summaryLines(o.log ? undefined : 'with --log FILE')) process.stderr.write(`${line}\n`);
  const text = syncSummary(result, !!o.dryRun);
  if (o.log) await appendFile(o.log, text);
  process.stdout.write(text);
  if (o.lock) process.stdout.write(`Lockfile written: ${o.lock} (replay with sync --from-lock ${o.lock}).\n`);
  return result.exitCode === ExitCode.OK && result.refusedForSpace ? ExitCode.FAILED : result.exitCode;
}
