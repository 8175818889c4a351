/**
 * The repo's keys, after checking the repomd.xml fetched with them when repo_gpgcheck is on; null
 * (reported) when the keys cannot be had or the signature refuses the repo: nothing of it is used.
 */
async function verifiedUpstream(repo: SyncRepo, transfer: Transfer, repomd: Buffer, repomdUrl: string, diags: Diagnostics,
  locked?: LockedRepo): Promise<{ loaded: LoadedKeys; pins: KeyPin[] } | null> {
  const keys = await loadUpstreamKeys(repo, transfer, locked?.keys);
  if ('problem' in keys) {
    diags.report('sync-upstream-key', repomdUrl, keys.problem);
    return null;
  }
  if (!repo.repoGpgcheck) return keys;
  try {
    const problem = await repomdSignatureProblem(repo, transfer, repomd, keys.loaded);
    if (!problem) return keys;
    diags.report('sync-repo-signature', repomdUrl, problem);
  } catch (err) {
    reportTransfer(diags, `${withSlash(repo.baseurl)}repodata/repomd.xml.asc`, err);
  }
  return null;
}

/**
 * Plans the sync of one repo: fetch upstream `repodata/repomd.xml` (one request; when its
 * sha256, the selection and the local files are as the last complete sync left them, the
 * repo is up to date and nothing else is fetched), read primary.xml (from the local copy
 * when it still matches, else fetched), select the packages, and sort them into present
 * (already on disk with the right size and checksum) and to fetch; with `--delete`, list the
 * local packages no longer selected.
 */
import { sha256 } from '../sha256.ts';
import { createReadStream } from 'node:fs';
import { lstatSync } from 'node:fs';
import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { incomingPath } from './commit-repodata.ts';
import fg from 'fast-glob';
import type { Diagnostics } from '../errors/catalogue.ts';
import type { SyncRepo } from '../config/config-schema.ts';
import { parseRepomd, type UpstreamData, nevraOf, readPrimaryEntries } from '../formats/format.ts';
import { fileMatches, type Expected, type Transfer } from './transfer.ts';
import { insideRepo, resolveLocation, withSlash, encodePath } from './location.ts';
import { selectPackages } from './select-packages.ts';
import { readSyncState, type SyncState } from './sync-state.ts';
import { reportTransfer } from './transfer-diagnostics.ts';
import type { LockedRepo } from './sync-lockfile.ts';
import type { ClosurePlanner } from './closure-planner.ts';
import type { LoadedKeys } from '../trust/mirror-keys.ts';
import { checksSignatures, loadUpstreamKeys, repomdSignatureProblem, type KeyPin } from './upstream-trust.ts';

/** One file to have in the repo: its path inside the repo, URL, expected size/checksum, NEVRA. */
export interface PlannedFile { path: string; url: string; expect: Expected; nevra: string }

/** One upstream repodata file: its repomd entry, URL, and whether the local copy already matches. */
export interface PlannedMetadata { entry: UpstreamData; path: string; url: string; present: boolean }

/** The plan of one repo (sizes in bytes). */
export interface RepoPlan {
  repo: SyncRepo;
  /** `rpm` (repodata) or `deb` (apt indices). */
  format: 'rpm' | 'deb';
  /** '/'-separated path inside the mirror; `dir` the absolute directory. */
  path: string; dir: string;
  repomd: Buffer; repomdSha256: string; selectionKey: string;
  /** Nothing changed upstream or locally since the last complete sync. */
  upToDate: boolean;
  subset: boolean; reasons: string[];
  take: PlannedFile[]; fetch: PlannedFile[]; presentBytes: number;
  /** Local `.rpm` (and stray `.rpm.part`) paths no longer selected, with --delete. */
  remove: string[]; removeBytes: number;
  metadata: PlannedMetadata[];
  /** The lockfile's repomd.xml is no longer upstream's: repodata is left as it is. */
  lockStale: boolean;
  /** The keys the repo's signatures are checked with (repo_gpgcheck, gpgcheck, Signed-By), when it asks for checks. */
  keys?: { loaded: LoadedKeys; pins: KeyPin[] };
  /** deb: each suite's InRelease, Release and Release.gpg as fetched (placed last, when the indices are kept). */
  releaseFiles?: { path: string; data: Buffer }[];
  /** deb: the Packages paragraph of each package taken, by its path (kept in the sync directory for later runs). */
  stanzas?: { path: string; stanza: string }[];
}

/**
 * What planning needs besides the repo: mirror root, problems sink, dry run (writes nothing),
 * --delete, and the run's dependency closure when there is one.
 */
export interface PlanContext {
  mirrorDir: string; diags: Diagnostics; dryRun: boolean; delete: boolean; closure?: ClosurePlanner;
}


/** Key of what decides the selection: a change of any of these plans the repo again. */
export function selectionKeyOf(repo: SyncRepo, locked?: LockedRepo): string {
  if (locked) return `lock:${sha256(JSON.stringify(locked.packages))}`;
  const { newest, include, exclude, arch, source, allowExternalLocations, baseurl } = repo;
  return sha256(JSON.stringify({ newest, include, exclude, arch, source, allowExternalLocations, baseurl }));
}

/** True when every package the state lists is still on disk with its recorded size and mtime. */
export async function stateIntact(dir: string, state: SyncState): Promise<boolean> {
  for (const p of state.packages) {
    const s = await lstat(join(dir, p.path)).catch(() => undefined);
    if (!s?.isFile() || s.size !== p.size || s.mtimeMs !== p.mtimeMs) return false;
  }
  return true;
}

/**
 * Local packages (`ext`: `.rpm` or `.deb`) under `dir` (no dot directories, no links followed, not
 * in the index directory) that `keep` does not hold.
 */
export async function strays(dir: string, keep: Set<string>, ext = '.rpm'): Promise<{ path: string; size: number }[]> {
  const found = await fg([`**/*${ext}`, `**/*${ext}.part`], {
    cwd: dir, onlyFiles: true, followSymbolicLinks: false, dot: false, suppressErrors: true, stats: true,
    ignore: ['repodata/**', 'dists/**'],
  });
  const out = found.filter((e) => !keep.has(e.path.replace(/\.part$/, '')))
    .sort((a, b) => a.path.localeCompare(b.path));
  return out.map((e) => ({ path: e.path, size: e.stats?.size ?? 0 }));
}

/** Whether `path` under `dir` already holds `f` (known from the state by size and mtime, else hashed). */
async function isPresent(dir: string, f: PlannedFile, known?: SyncState['packages'][number]): Promise<boolean> {
  const s = lstatSync(join(dir, f.path), { throwIfNoEntry: false });
  if (!s?.isFile() || (f.expect.size !== undefined && s.size !== f.expect.size)) return false;
  const same = known && known.size === s.size && known.mtimeMs === s.mtimeMs && known.checksum === f.expect.checksum;
  if (same) return true;
  return fileMatches(join(dir, f.path), f.expect);
}

/**
 * Marks `plan` up to date with what the last complete sync left (`state`): its packages, all
 * present, at URLs under `root` (the baseurl with its slash).
 */
export function takeFromState(plan: RepoPlan, state: SyncState, root: string): void {
  plan.upToDate = true;
  plan.subset = state.subset;
  plan.reasons = state.reasons;
  plan.take = state.packages.map((p) => ({ path: p.path, url: `${root}${encodePath(p.path)}`, nevra: '',
    expect: { size: p.size, checksumType: p.checksumType, checksum: p.checksum } }));
  plan.presentBytes = state.packages.reduce((n, p) => n + p.size, 0);
}

/**
 * Sorts the packages `plan` takes into present (on disk as expected, known from `state` or hashed)
 * and to fetch. A closure repo is planned every time (its selection depends on the other repos): when
 * the outcome is what the last complete sync left (`state`), it is marked up to date all the same.
 */
export async function sortTaken(plan: RepoPlan, state: SyncState | undefined, inClosure: boolean): Promise<void> {
  const known = new Map(state?.packages.map((p) => [p.path, p]));
  for (const f of plan.take) {
    if (await isPresent(plan.dir, f, known.get(f.path))) plan.presentBytes += f.expect.size ?? 0;
    else plan.fetch.push(f);
  }
  plan.upToDate = inClosure && !!state?.complete && state.repomdSha256 === plan.repomdSha256
    && state.selection === plan.selectionKey && !plan.fetch.length && plan.metadata.every((m) => m.present)
    && state.packages.length === plan.take.length && plan.take.every((f) => known.has(f.path));
}

/** Fetches a metadata file of the plan where a later step finds it: the repo itself, incoming, or a scratch dir. */
type LocalMetadata = (m: PlannedMetadata) => Promise<string>;

/** The packages upstream primary.xml selects (and the closure keeps), with problems reported. */
async function packagesToTake(repo: SyncRepo, primaryFile: string, plan: RepoPlan, ctx: PlanContext, local: LocalMetadata):
  Promise<{ take: PlannedFile[]; subset: boolean; reasons: string[] }> {
  const { diags, closure } = ctx;
  const primary = plan.metadata.find((m) => m.entry.type === 'primary')!.entry;
  const inClosure = !!closure?.participates(repo.id);
  const entries = await readPrimaryEntries(createReadStream(primaryFile), primary.href, { deps: inClosure });
  const sel = selectPackages(entries, repo);
  if (inClosure) {
    const before = sel.packages.length;
    const keep = await closure!.offer({ repo, entries: sel.packages, metadataFile: async (type) => {
      const m = plan.metadata.find((x) => x.entry.type === type);
      return m ? { path: await local(m), entry: m.entry } : undefined;
    } });
    sel.packages = sel.packages.filter((p) => keep.has(p));
    sel.reasons.push(`dependency closure of the node pools: ${sel.packages.length} of ${before} packages`);
    for (const p of sel.packages) delete p.deps;
  }
  const take: PlannedFile[] = [];
  let refused = 0, relocated = 0;
  for (const p of sel.packages) {
    const loc = resolveLocation(repo.baseurl, p.href, p.base, repo.allowExternalLocations);
    if ('refused' in loc) {
      refused++;
      diags.report('sync-unsafe-location', `${withSlash(repo.baseurl)}${p.href}`, loc.refused);
      continue;
    }
    if (loc.relocated) relocated++;
    take.push({ path: loc.path, url: loc.url, nevra: nevraOf(p),
      expect: { size: p.size, checksumType: p.checksumType, checksum: p.checksum } });
  }
  const reasons = [...sel.reasons];
  if (refused) reasons.push(`${refused} packages with unsafe locations left out`);
  if (relocated) reasons.push(`${relocated} packages from other locations kept under Packages/`);
  return { take, subset: reasons.length > 0, reasons };
}

/**
 * Plans `repo`. `transfer` is the repo's connection pool; `locked` replays a lockfile's
 * packages instead of selecting. Returns undefined when the repo cannot be synced at all
 * (its repomd.xml or primary.xml unreachable or invalid: reported to `ctx.diags`).
 */
export async function planRepo(repo: SyncRepo, transfer: Transfer, ctx: PlanContext, locked?: LockedRepo):
  Promise<RepoPlan | undefined> {
  const path = locked?.path ?? repo.path ?? repo.id;
  const dir = join(ctx.mirrorDir, path);
  const root = withSlash(repo.baseurl);
  const repomdUrl = `${root}repodata/repomd.xml`;
  let repomd: Buffer;
  try {
    repomd = await transfer.fetchBytes(repomdUrl);
  } catch (err) {
    reportTransfer(ctx.diags, repomdUrl, err);
    return undefined;
  }
  const keys = checksSignatures(repo) ? await verifiedUpstream(repo, transfer, repomd, repomdUrl, ctx.diags, locked) : undefined;
  if (keys === null) return undefined;
  const repomdSha256 = sha256(repomd);
  const inClosure = !locked && !!ctx.closure?.participates(repo.id);
  const selectionKey = inClosure ? `closure:${sha256(selectionKeyOf(repo) + ctx.closure!.key)}` : selectionKeyOf(repo, locked);
  const state = await readSyncState(dir);
  const lockStale = !!locked && locked.repomdSha256 !== repomdSha256;
  if (lockStale) ctx.diags.report('sync-lock-stale', repomdUrl);
  const plan: RepoPlan = {
    repo, format: 'rpm', path, dir, repomd, repomdSha256, selectionKey, upToDate: false, subset: false, reasons: [],
    take: [], fetch: [], presentBytes: 0, remove: [], removeBytes: 0, metadata: [], lockStale, ...(keys ? { keys } : {}),
  };
  if (!inClosure && state?.complete && state.repomdSha256 === repomdSha256 && state.selection === selectionKey
    && await stateIntact(dir, state)) {
    takeFromState(plan, state, root);
  } else {
    let scratch: string | undefined;
    try {
      const parsed = await parseRepomd(repomd.toString('utf8'));
      for (const e of parsed.all) {
        const local = insideRepo(e.href);
        if (!local) throw new Error(`repomd.xml lists ${e.href}, outside the repo`);
        const expect = { size: e.size, checksumType: e.checksumType, checksum: e.checksum };
        plan.metadata.push({ entry: e, path: local, url: `${root}${encodePath(local)}`,
          present: await fileMatches(join(dir, local), expect) });
      }
      if (locked) {
        plan.take = locked.packages.map((f) => ({ path: f.location, url: f.url, nevra: f.nevra,
          expect: { size: f.size, checksumType: f.checksumType, checksum: f.checksum } }));
        plan.subset = locked.subset;
        plan.reasons = locked.reasons;
      } else {
        const primary = plan.metadata.find((m) => m.entry.type === 'primary');
        if (!primary) throw new Error('repomd.xml lists no primary metadata');
        const local: LocalMetadata = async (m) => {
          if (m.present) return join(dir, m.path);
          scratch ??= ctx.dryRun ? await mkdtemp(join(tmpdir(), 'airgap-sync-plan-')) : dirname(incomingPath(dir, m.path));
          const file = join(scratch, basename(m.path));
          const { size, checksumType, checksum } = m.entry;
          if (!(await fileMatches(file, { size, checksumType, checksum }))) {
            await transfer.download(m.url, file, { size, checksumType, checksum });
          }
          return file;
        };
        let file: string;
        try {
          file = await local(primary);
        } catch (err) {
          reportTransfer(ctx.diags, primary.url, err);
          return undefined;
        }
        Object.assign(plan, await packagesToTake(repo, file, plan, ctx, local));
      }
    } catch (err) {
      ctx.diags.report('sync-repomd-bad', repomdUrl, (err as Error).message);
      return undefined;
    } finally {
      if (scratch && ctx.dryRun) await rm(scratch, { recursive: true, force: true });
    }
    await sortTaken(plan, state, inClosure);
  }
  if (ctx.delete) {
    const remove: { path: string; size: number }[] = [];
    for (const s of await strays(dir, new Set(plan.take.map((f) => f.path)))) {
      const pools = inClosure && !s.path.endsWith('.part') ? await ctx.closure!.neededLocally(repo.id, join(dir, s.path)) : [];
      if (pools.length) ctx.diags.report('closure-kept-local', join(dir, s.path), pools.join(', '));
      else remove.push(s);
    }
    plan.remove = remove.map((r) => r.path);
    plan.removeBytes = remove.reduce((n, r) => n + r.size, 0);
  }
  return plan;
}
