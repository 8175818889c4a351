/**
 * `airgap-mirror sync`: fetches the configured upstream repos into the mirror tree. Per
 * repo: lock it, plan it (plan-repo.ts), then, across all repos at once, fetch what is
 * missing (`jobs` downloads in flight, `perHost` connections per host), place the new
 * upstream repodata (commit-repodata.ts), remove what is no longer selected (`--delete`),
 * and record the state. A failed file is one reported problem; the rest goes on and the
 * exit code is 2. Sync writes only inside the repo paths it owns.
 */
import { lstat, mkdir, realpath, rm, statfs } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import pMap from 'p-map';
import { Diagnostics, type Diagnostic } from '../errors/catalogue.ts';
import { ExitCode, UsageError } from '../errors/exit-codes.ts';
import { SyncRepoSchema, type SyncConfig, type SyncRepo } from '../config/config-schema.ts';
import { Transfer, TransferError, fileMatches } from './transfer.ts';
import { planRepo, type PlannedFile, type RepoPlan } from './plan-repo.ts';
import { commitRepodata, incomingPath, REPOMD_COMPANIONS } from './commit-repodata.ts';
import { SYNC_DIR, writeSyncState } from './sync-state.ts';
import { lockRepo, lockPathOf } from './repo-lock.ts';
import { writeLockfile, type LockedRepo } from './sync-lockfile.ts';
import { reportTransfer } from './transfer-diagnostics.ts';
import { withSlash } from './location.ts';

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
}

/** Progress callbacks: the plan of each repo, bytes received, a file finished, each problem, each removal. */
export interface SyncEvents {
  planned?(plan: RepoPlan): void;
  start?(files: number, bytes: number): void;
  bytes?(n: number): void;
  file?(): void;
  diagnostic?(d: Diagnostic): void;
  removing?(repoPath: string, path: string): void;
}

/** What happened to one repo (bytes, counts). */
export interface RepoSummary {
  id: string; path: string;
  status: 'planned' | 'up to date' | 'synced' | 'partial' | 'failed';
  subset: boolean; reasons: string[];
  toFetch: number; toFetchBytes: number; fetched: number; fetchedBytes: number;
  present: number; presentBytes: number; removed: number; removeBytes: number; failed: number;
  repodata: 'updated' | 'unchanged' | 'left as it was';
}

/** The run: per-repo summaries, problems, free and needed disk bytes, bytes received, wall seconds, exit code. */
export interface SyncResult {
  repos: RepoSummary[]; diagnostics: Diagnostic[]; freeBytes: number; needBytes: number;
  bytesFetched: number; seconds: number; exitCode: number; refusedForSpace: boolean;
}

/** Checks repo ids and paths: unique, and no repo path inside another's (so --delete can never reach one). */
function checkRepos(repos: SyncRepo[], locked?: LockedRepo[]): void {
  const ids = new Set<string>();
  const paths = repos.map((r) => locked?.find((l) => l.id === r.id)?.path ?? r.path ?? r.id);
  for (const [i, r] of repos.entries()) {
    if (ids.has(r.id)) throw new UsageError(`sync.repos: repo id ${r.id} appears twice`);
    ids.add(r.id);
    for (const [j, other] of paths.entries()) {
      const p = paths[i]!;
      if (i !== j && (p === other || p === '' || other.startsWith(`${p}/`))) {
        throw new UsageError(`sync.repos: the paths of ${r.id} (${p || '.'}) and ${repos[j]!.id} (${other}) overlap`);
      }
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

/** Creates the parent of `rel` inside `repoDir` and checks it resolves inside the repo (no link out). */
async function safeParent(repoDir: string, rel: string, checked: Map<string, boolean>): Promise<boolean> {
  const parent = dirname(join(repoDir, rel));
  const hit = checked.get(parent);
  if (hit !== undefined) return hit;
  await mkdir(parent, { recursive: true });
  const [real, root] = await Promise.all([realpath(parent), realpath(repoDir)]);
  const ok = real === root || real.startsWith(root + sep);
  checked.set(parent, ok);
  return ok;
}

const summaryOf = (p: RepoPlan): RepoSummary => ({
  id: p.repo.id, path: p.path, status: p.upToDate ? 'up to date' : 'planned', subset: p.subset, reasons: p.reasons,
  toFetch: p.fetch.length, toFetchBytes: p.fetch.reduce((n, f) => n + (f.expect.size ?? 0), 0), fetched: 0,
  fetchedBytes: 0, present: p.take.length - p.fetch.length, presentBytes: p.presentBytes, removed: p.remove.length,
  removeBytes: p.removeBytes, failed: 0, repodata: p.upToDate ? 'unchanged' : 'left as it was',
});

const failedSummary = (r: SyncRepo, path: string): RepoSummary => ({
  id: r.id, path, status: 'failed', subset: false, reasons: [], toFetch: 0, toFetchBytes: 0, fetched: 0,
  fetchedBytes: 0, present: 0, presentBytes: 0, removed: 0, removeBytes: 0, failed: 1, repodata: 'left as it was',
});

/** Fetches `repomd.xml.key`/`.asc` beside repomd.xml: bytes, undefined when upstream has none (404). */
async function fetchCompanions(plan: RepoPlan, transfer: Transfer, diags: Diagnostics): Promise<Map<string, Buffer | undefined> | undefined> {
  const out = new Map<string, Buffer | undefined>();
  for (const name of REPOMD_COMPANIONS) {
    const url = `${withSlash(plan.repo.baseurl)}repodata/${name}`;
    try {
      out.set(name, await transfer.fetchBytes(url));
    } catch (err) {
      if (err instanceof TransferError && err.status === 404) { out.set(name, undefined); continue; }
      reportTransfer(diags, url, err);
      return undefined;
    }
  }
  return out;
}

/** Runs a sync; see the module comment. Throws UsageError for a bad repo list. */
export async function runSync(o: SyncOptions, ev: SyncEvents = {}): Promise<SyncResult> {
  const t0 = performance.now();
  const diags = new Diagnostics(ev.diagnostic);
  // A locked repo takes its TLS settings from the config's repo of the same id, if any.
  const repos = o.fromLock ? o.fromLock.map((l) => o.config.repos.find((r) => r.id === l.id)
    ?? SyncRepoSchema.parse({ id: l.id, baseurl: l.baseurl, path: l.path })) : o.config.repos;
  checkRepos(repos, o.fromLock);
  if (!o.dryRun) await mkdir(o.mirrorDir, { recursive: true });
  const summaries: RepoSummary[] = [];
  const live: { plan: RepoPlan; transfer: Transfer; release?: () => Promise<void>; summary: RepoSummary }[] = [];
  const transferOptions = { perHost: o.config.perHost, timeoutSeconds: o.config.timeout, retries: o.config.retries };
  try {
    await pMap(repos, async (repo) => {
      const locked = o.fromLock?.find((l) => l.id === repo.id);
      const path = locked?.path ?? repo.path ?? repo.id;
      const dir = join(o.mirrorDir, path);
      let transfer: Transfer;
      try {
        transfer = await Transfer.create({ ...transferOptions, tls: repo });
      } catch (err) {
        diags.report('sync-tls-file', repo.baseurl, (err as Error).message);
        summaries.push(failedSummary(repo, path));
        return;
      }
      let release: (() => Promise<void>) | undefined;
      if (!o.dryRun) {
        const link = await lstat(dir).then((s) => s.isSymbolicLink(), () => false);
        if (link) {
          diags.report('sync-disk-error', dir, 'the repo path is a symbolic link; sync writes only into real directories');
          summaries.push(failedSummary(repo, path));
          return transfer.close();
        }
        try {
          release = await lockRepo(dir);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ELOCKED') diags.report('sync-busy', dir, lockPathOf(dir));
          else diags.report('sync-disk-error', dir, (err as Error).message);
          summaries.push(failedSummary(repo, path));
          return transfer.close();
        }
      }
      const plan = await planRepo(repo, transfer, { mirrorDir: o.mirrorDir, diags, dryRun: !!o.dryRun, delete: !!o.delete }, locked);
      if (!plan) {
        summaries.push(failedSummary(repo, path));
        await release?.();
        return transfer.close();
      }
      ev.planned?.(plan);
      const summary = summaryOf(plan);
      summaries.push(summary);
      live.push({ plan, transfer, ...(release ? { release } : {}), summary });
    }, { concurrency: 4 });

    const needBytes = live.reduce((n, { plan }) => n + plan.fetch.reduce((m, f) => m + (f.expect.size ?? 0), 0)
      + plan.metadata.filter((m) => !m.present).reduce((m, x) => m + (x.entry.size ?? 0), 0), 0);
    const free = await freeBytes(o.mirrorDir);
    const result = (exitCode: number, refusedForSpace = false): SyncResult => ({
      repos: summaries.sort((a, b) => a.id.localeCompare(b.id)), diagnostics: diags.list, freeBytes: free, needBytes,
      bytesFetched: summaries.reduce((n, s) => n + s.fetchedBytes, 0), seconds: (performance.now() - t0) / 1000,
      exitCode, refusedForSpace,
    });
    if (o.lockOut) {
      await writeLockfile(o.lockOut, live.map(({ plan }) => ({
        id: plan.repo.id, baseurl: plan.repo.baseurl, path: plan.path, repomdSha256: plan.repomdSha256,
        subset: plan.subset, reasons: plan.reasons,
        packages: plan.take.map((f) => ({ location: f.path, url: f.url, size: f.expect.size ?? 0,
          checksumType: f.expect.checksumType, checksum: f.expect.checksum, nevra: f.nevra })),
      })));
    }
    if (o.dryRun) {
      for (const { plan } of live) for (const rel of plan.remove) ev.removing?.(plan.path, rel);
      return result(diags.errors.length ? ExitCode.PARTIAL : ExitCode.OK);
    }
    if (needBytes > free && !o.force) return result(ExitCode.FAILED, true);

    const work = live.filter((l) => !l.plan.upToDate);
    const tasks: { l: (typeof live)[number]; f: PlannedFile; metadata: boolean }[] = [
      ...work.flatMap((l) => l.plan.fetch.map((f) => ({ l, f, metadata: false }))),
      ...work.filter((l) => !l.plan.lockStale).flatMap((l) => l.plan.metadata.filter((m) => !m.present).map((m) => ({
        l, metadata: true,
        f: { path: m.path, url: m.url, nevra: '', expect: { size: m.entry.size, checksumType: m.entry.checksumType,
          checksum: m.entry.checksum } },
      }))),
    ];
    ev.start?.(tasks.length, tasks.reduce((n, t) => n + (t.f.expect.size ?? 0), 0));
    const failed = new Map<RepoPlan, Set<string>>();
    const parents = new Map<string, boolean>();
    await pMap(tasks, async ({ l, f, metadata }) => {
      const { plan, transfer, summary } = l;
      const fail = () => { (failed.get(plan) ?? failed.set(plan, new Set()).get(plan)!).add(f.path); summary.failed++; };
      try {
        let dest = join(plan.dir, f.path);
        if (metadata) {
          dest = incomingPath(plan.dir, f.path);
          await mkdir(dirname(dest), { recursive: true });
          if (await fileMatches(dest, f.expect)) return; // primary.xml, fetched while planning
        } else if (!(await safeParent(plan.dir, f.path, parents))) {
          diags.report('sync-unsafe-location', f.url, `${f.path} goes through a symbolic link out of the repo`);
          return fail();
        }
        const got = await transfer.download(f.url, dest, f.expect, (n) => ev.bytes?.(n));
        summary.fetched += metadata ? 0 : 1;
        summary.fetchedBytes += got.bytesFetched;
      } catch (err) {
        reportTransfer(diags, f.url, err);
        fail();
      } finally {
        ev.file?.();
      }
    }, { concurrency: o.config.jobs });

    for (const { plan, transfer, summary } of live) {
      const bad = failed.get(plan) ?? new Set<string>();
      const metadataOk = plan.metadata.every((m) => !bad.has(m.path));
      if (!plan.upToDate && !plan.lockStale && metadataOk) {
        const companions = await fetchCompanions(plan, transfer, diags);
        if (companions) {
          try {
            await commitRepodata(plan.dir, plan.metadata, plan.repomd, companions);
            summary.repodata = 'updated';
          } catch (err) {
            diags.report('sync-disk-error', join(plan.dir, 'repodata'), (err as Error).message);
            bad.add('repodata');
          }
        } else bad.add('repodata');
      }
      for (const rel of plan.remove) {
        ev.removing?.(plan.path, rel);
        await rm(join(plan.dir, rel), { force: true });
      }
      if (!plan.upToDate || plan.remove.length) {
        const packages = [];
        for (const f of plan.take.filter((x) => !bad.has(x.path))) {
          const s = await lstat(join(plan.dir, f.path)).catch(() => undefined);
          if (s?.isFile()) packages.push({ path: f.path, size: s.size, mtimeMs: s.mtimeMs,
            checksumType: f.expect.checksumType, checksum: f.expect.checksum });
        }
        await writeSyncState(plan.dir, {
          format: 1, id: plan.repo.id, baseurl: plan.repo.baseurl, repomdSha256: plan.repomdSha256,
          selection: plan.selectionKey, subset: plan.subset, reasons: plan.reasons,
          complete: bad.size === 0 && !plan.lockStale, syncedAt: Math.floor(Date.now() / 1000), packages,
        }).catch((err) => {
          diags.report('sync-disk-error', join(plan.dir, SYNC_DIR, 'state.json'), (err as Error).message);
          bad.add('state');
        });
      }
      if (!plan.upToDate) summary.status = bad.size || plan.lockStale ? 'partial' : 'synced';
    }
    return result(diags.errors.length ? ExitCode.PARTIAL : ExitCode.OK);
  } finally {
    for (const l of live) {
      await l.release?.().catch(() => {});
      await l.transfer.close();
    }
  }
}
