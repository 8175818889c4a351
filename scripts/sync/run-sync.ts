/**
 * `airgap-mirror sync`: fetches the configured upstream repos into the mirror tree. Each repo
 * is opened (connections, lock) and planned (open-repo.ts, plan-repo.ts); then, across all
 * repos at once, what is missing is fetched (fetch-files.ts), and each repo is finished:
 * repodata placed, unselected packages removed, state recorded (finish-repo.ts). A failed
 * file is one reported problem; the rest goes on and the exit code is 2. Sync writes only
 * inside the repo paths it owns.
 */
import { mkdir, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import pMap from 'p-map';
import { Diagnostics, type Diagnostic } from '../errors/catalogue.ts';
import { ExitCode, UsageError } from '../errors/exit-codes.ts';
import { SyncRepoSchema, type SyncConfig, type SyncRepo } from '../config/config-schema.ts';
import { parseWith } from '../config/read-config.ts';
import { resolveInside } from '../inside-root.ts';
import { writeLockfile, type LockedRepo } from './sync-lockfile.ts';
import { openRepo } from './open-repo.ts';
import { fetchFiles } from './fetch-files.ts';
import { finishRepo } from './finish-repo.ts';
import type { LiveRepo, RepoSummary, SyncEvents } from './live-repo.ts';
import { ClosurePlanner, type PoolReport, type SyncPool } from './closure-planner.ts';
import { kernelTarget } from '../closure/profiles.ts';
import { ubuntuKernelEntry } from '../closure/apt-profiles.ts';

export type { RepoSummary, SyncEvents } from './live-repo.ts';

/** Options of a sync run. */
export interface SyncOptions {
  mirrorDir: string;
  config: SyncConfig;
  dryRun?: boolean;
  /** Remove local packages no longer selected. */
  delete?: boolean;
  /** Start even when the plan needs more bytes than the disk has free. */
  force?: boolean;
  /** Write the plan as a lockfile here. */
  lockOut?: string;
  /** Replay this lockfile's packages instead of selecting. */
  fromLock?: LockedRepo[];
  /** Node pools from `--nodes` (the closure's kernels, besides `sync.closure.kernels`). */
  pools?: SyncPool[];
}

/** The run: per-repo summaries, problems, free and needed disk bytes, bytes received, wall seconds, exit code. */
export interface SyncResult {
  repos: RepoSummary[]; diagnostics: Diagnostic[]; freeBytes: number; needBytes: number;
  bytesFetched: number; seconds: number; exitCode: number; refusedForSpace: boolean;
  /** The closure of each node pool, when the run has one. */
  pools: PoolReport[];
}

/**
 * The run's closure planner, or undefined without `sync.closure` or a repo with `closure: true`.
 * Throws UsageError when repos take part but no pool or kernel is given, or a repo lists
 * `packages` outside the closure.
 */
function closurePlanner(o: SyncOptions, repos: SyncRepo[], diags: Diagnostics): ClosurePlanner | undefined {
  if (o.fromLock) return undefined;
  const c = o.config.closure;
  const taking = repos.filter((r) => r.closure ?? !!c);
  for (const r of repos) {
    if (r.packages?.length && !taking.includes(r)) {
      throw new UsageError(`sync.repos: ${r.id} lists packages but takes no part in the closure (set closure: true)`);
    }
  }
  if (!taking.length) return undefined;
  const pools: SyncPool[] = [...(o.pools ?? [])];
  for (const k of c?.kernels ?? []) {
    let pool: SyncPool;
    try {
      // Ubuntu names no arch in uname -r: amd64 unless the entry says `:arm64`; RHCOS/RHEL kernels carry theirs
      const ubuntu = ubuntuKernelEntry(k);
      pool = ubuntu ? { id: k, ...ubuntu, nodes: [], os: 'ubuntu' }
        : { id: k, kernel: k, arch: kernelTarget(k).arch, nodes: [] };
    } catch (err) {
      throw new UsageError(`sync.closure.kernels: ${(err as Error).message}`);
    }
    // an RPM kernel's string names its arch; an Ubuntu one needs the arch too to be the same pool
    const same = (p: SyncPool) => p.kernel === pool.kernel && (pool.os !== 'ubuntu' || p.arch === pool.arch);
    if (!pools.some(same)) pools.push(pool);
  }
  if (!pools.length && c?.profiles.length) {
    throw new UsageError(`the closure's profiles (${c.profiles.join(', ')}) are pinned to the cluster's kernels: `
      + 'pass --nodes FILE (oc get nodes -o json) or list sync.closure.kernels');
  }
  for (const [os, type] of [['ubuntu', 'deb'], ['', 'rpm']] as const) {
    if (taking.some((r) => r.type === type)) continue;
    for (const p of pools.filter((x) => (x.os === 'ubuntu') === (os === 'ubuntu'))) {
      diags.report('closure-pool-no-repos', p.id, type);
    }
  }
  const config = c ?? { profiles: [], kernels: [], packages: [], modules: [], newest: 1 };
  return new ClosurePlanner(taking.map((r) => r.id), pools, config, diags);
}

/**
 * Checks repo ids and paths before anything is created: unique, no repo path inside another's (so
 * --delete can never reach one), and each path inside the mirror also through links
 * (inside-root.ts). Throws UsageError naming the repo.
 */
async function checkRepos(mirrorDir: string, repos: SyncRepo[], locked?: LockedRepo[]): Promise<void> {
  const ids = new Set<string>();
  const paths = repos.map((r) => locked?.find((l) => l.id === r.id)?.path ?? r.path ?? r.id);
  for (const [i, r] of repos.entries()) {
    if (ids.has(r.id)) throw new UsageError(`sync.repos: repo id ${r.id} appears twice`);
    ids.add(r.id);
    const p = paths[i]!;
    for (const [j, other] of paths.entries()) {
      if (i !== j && (p === other || p === '' || other.startsWith(`${p}/`))) {
        throw new UsageError(`sync.repos: the paths of ${r.id} (${p || '.'}) and ${repos[j]!.id} (${other}) overlap`);
      }
    }
    if (p) {
      await resolveInside(mirrorDir, p).catch((err: Error) => {
        throw new UsageError(`${locked ? 'the lockfile' : 'sync.repos'}: ${r.id}: path ${err.message}`);
      });
    }
  }
}

/** Free bytes for an unprivileged writer on the file system holding `dir` (or its nearest existing parent). */
async function freeBytes(dir: string): Promise<number> {
  for (let d = dir; ; d = dirname(d)) {
    const s = await statfs(d).catch(() => undefined);
    if (s) return s.bavail * s.bsize;
    if (dirname(d) === d) return Infinity;
  }
}

/** Bytes a real run would write: packages to fetch and upstream metadata not yet local. */
const neededBytes = (live: LiveRepo[]) => live.reduce((n, { plan }) =>
  n + plan.fetch.reduce((m, f) => m + (f.expect.size ?? 0), 0)
  + plan.metadata.filter((m) => !m.present).reduce((m, x) => m + (x.entry.size ?? 0), 0), 0);

/** The lockfile entries of the planned repos. */
const lockedRepos = (live: LiveRepo[]): LockedRepo[] => live.map(({ plan }) => ({
  id: plan.repo.id, ...(plan.format === 'deb' ? { type: 'deb' as const } : {}), baseurl: plan.repo.baseurl,
  path: plan.path, repomdSha256: plan.repomdSha256,
  subset: plan.subset, reasons: plan.reasons, ...(plan.keys ? { keys: plan.keys.pins } : {}),
  packages: plan.take.map((f) => ({ location: f.path, url: f.url, size: f.expect.size ?? 0,
    checksumType: f.expect.checksumType, checksum: f.expect.checksum, nevra: f.nevra })),
}));

/** Runs a sync; see the module comment. Throws UsageError for a bad repo list. */
export async function runSync(o: SyncOptions, ev: SyncEvents = {}): Promise<SyncResult> {
  const t0 = performance.now();
  const diags = new Diagnostics(ev.diagnostic);
  // A locked repo takes its TLS settings from the config's repo of the same id, if any.
  const repos = o.fromLock ? o.fromLock.map((l) => {
    const r = o.config.repos.find((x) => x.id === l.id);
    if (r) return r;
    if (l.type === 'deb') {
      throw new UsageError(`the lockfile's repo ${l.id} is an apt repo: give --config with its sync.repos entry `
        + '(its suites, components and signedBy)');
    }
    return parseWith(SyncRepoSchema, { id: l.id, baseurl: l.baseurl, path: l.path }, 'the lockfile');
  }) : o.config.repos;
  await checkRepos(o.mirrorDir, repos, o.fromLock);
  if (!o.dryRun) await mkdir(o.mirrorDir, { recursive: true });
  const summaries: RepoSummary[] = [];
  const live: LiveRepo[] = [];
  const closure = closurePlanner(o, repos, diags);
  const ctx = { mirrorDir: o.mirrorDir, config: o.config, diags, dryRun: !!o.dryRun, delete: !!o.delete,
    ...(closure ? { closure } : {}) };
  try {
    // With a closure every repo is planned at once: each waits for the others' packages.
    await pMap(repos, async (repo) => {
      let opened: LiveRepo | RepoSummary;
      try {
        opened = await openRepo(repo, ctx, o.fromLock?.find((l) => l.id === repo.id));
      } finally {
        closure?.withdraw(repo.id);
      }
      if ('plan' in opened) {
        live.push(opened);
        summaries.push(opened.summary);
        ev.planned?.(opened.plan);
      } else summaries.push(opened);
    }, { concurrency: closure ? Infinity : 4 });
    const needBytes = neededBytes(live);
    const free = await freeBytes(o.mirrorDir);
    const result = (exitCode: number, refusedForSpace = false): SyncResult => ({
      repos: summaries.sort((a, b) => a.id.localeCompare(b.id)), diagnostics: diags.list, freeBytes: free, needBytes,
      bytesFetched: summaries.reduce((n, s) => n + s.fetchedBytes, 0), seconds: (performance.now() - t0) / 1000,
      exitCode, refusedForSpace, pools: closure?.reports ?? [],
    });
    const partial = () => (diags.errors.length ? ExitCode.PARTIAL : ExitCode.OK);
    if (o.lockOut) await writeLockfile(o.lockOut, lockedRepos(live));
    if (o.dryRun) {
      for (const { plan } of live) for (const rel of plan.remove) ev.removing?.(plan.path, rel);
      return result(partial());
    }
    if (needBytes > free && !o.force) return result(ExitCode.FAILED, true);
    await fetchFiles(live, o.config.jobs, diags, ev);
    for (const l of live) await finishRepo(l, diags, ev);
    return result(partial());
  } finally {
    for (const l of live) {
      await l.release?.().catch(() => {});
      await l.transfer.close();
    }
  }
}
