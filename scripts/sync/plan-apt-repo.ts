/**
 * Plans the sync of one apt repository (`type: deb`), as apt itself trusts one: for each suite,
 * `InRelease` (else `Release` + `Release.gpg`) is fetched and verified against the repo's
 * Signed-By keys before anything else of the repo is read; then each selected component and
 * architecture's `Packages` index (by-hash when the Release offers it, the best compression
 * listed), checked against the size and SHA256 the Release gives. Every package is planned
 * against its Packages entry (size, SHA256). A repo taken whole keeps each suite's Release files
 * and every index variant they list for the selected components and architectures, byte for byte;
 * a repo in the closure takes the packages the node pools need (build then writes its own index).
 * When each suite's Release is as the last complete sync left it, nothing else is fetched.
 */
import { sha256 } from '../sha256.ts';
import { lstatSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { SyncRepo } from '../config/config-schema.ts';
import {
  AptReleaseError, byHashPath, debNva, indexVariants, inReleaseText, parsePackagesIndex, parseRelease, RELEASE_FILES,
  snapshotUrl, unpackIndex, verifiedInRelease, verifyDetachedRelease, type AptIndexEntry, type AptRelease,
  type ReleaseEntry,
} from '../formats/format.ts';
import { incomingPath } from './commit-repodata.ts';
import { encodePath, insideRepo, withSlash } from './location.ts';
import {
  selectionKeyOf, sortTaken, stateIntact, strays, takeFromState, type PlanContext, type PlannedFile,
  type PlannedMetadata, type RepoPlan,
} from './plan-repo.ts';
import { readSyncState, SYNC_DIR } from './sync-state.ts';
import { fileMatches, TransferError, type Transfer } from './transfer.ts';
import { reportTransfer } from './transfer-diagnostics.ts';
import { loadSignedByKeys } from './upstream-trust.ts';
import type { LockedRepo } from './sync-lockfile.ts';

/** Where sync keeps the Packages paragraphs of the packages it took (read back as local candidates). */
export const TAKEN_STANZAS = 'Packages.taken';

/** One suite of the repo after its Release was verified. */
interface Suite {
  name: string;
  /** The suite's directory inside the repo (`dists/jammy/`, or `` for the flat suite `./`). */
  dist: string; url: string; release: AptRelease;
  /** The Release files as fetched, with their paths inside the repo. */
  files: { path: string; data: Buffer }[];
}

const isFlat = (suite: string) => suite.endsWith('/');

/** The suite's directory inside the repo: `dists/<suite>/`, or the flat directory itself. */
function distOf(suite: string): string {
  if (!isFlat(suite)) return `dists/${suite}/`;
  const d = posix.normalize(suite);
  return d === './' || d === '.' ? '' : d;
}

/** Largest Release file read (bytes): a whole archive's InRelease is well under 1 MiB. */
const RELEASE_LIMIT = 256 << 20;

/**
 * Fetches and verifies one suite's Release; one past its Valid-Until is refused unless `now`
 * (epoch seconds) is undefined (`checkValidUntil: false`). Throws AptReleaseError for a missing or
 * bad signature or unusable content, TransferError for a failed fetch.
 */
async function openSuite(repo: SyncRepo, suite: string, transfer: Transfer, keys: RepoPlan['keys'],
  now: number | undefined): Promise<Suite> {
  const dist = distOf(suite);
  const url = `${withSlash(repo.baseurl)}${encodePath(dist)}`;
  const keyset = keys && { handles: keys.loaded.handles, keyIds: new Set(keys.loaded.keys.flatMap((k) => k.keyIds)) };
  const files: Suite['files'] = [];
  let text: string;
  const inRelease = await transfer.fetchIfPresent(`${url}InRelease`, RELEASE_LIMIT);
  // Release and Release.gpg are kept beside InRelease (older apt reads them), checked as apt would check them
  const release = await transfer.fetchIfPresent(`${url}Release`, RELEASE_LIMIT);
  const signature = release && await transfer.fetchIfPresent(`${url}Release.gpg`, RELEASE_LIMIT);
  if (!inRelease && !release) {
    throw new AptReleaseError('absent', `neither ${url}InRelease nor ${url}Release exists: check the suite`);
  }
  if (inRelease) files.push({ path: `${dist}InRelease`, data: inRelease });
  if (release) files.push({ path: `${dist}Release`, data: release });
  if (signature) files.push({ path: `${dist}Release.gpg`, data: signature });
  if (keyset && release && (signature || !inRelease)) {
    if (!signature) {
      throw new AptReleaseError('signature', `the suite has no InRelease and no ${url}Release.gpg: it is unsigned`);
    }
    await verifyDetachedRelease(release, signature, keyset);
  }
  if (inRelease) {
    if (keyset) text = await verifiedInRelease(inRelease, keyset);
    else text = await inReleaseText(inRelease);
  } else text = release!.toString('utf8');
  const parsed = parseRelease(text);
  if (now !== undefined && parsed.validUntil !== undefined && parsed.validUntil < now) {
    throw new AptReleaseError('content', `the Release expired on ${new Date(parsed.validUntil * 1000).toISOString()} `
      + '(Valid-Until): the mirror serving it is stale');
  }
  return { name: suite, dist, url, release: parsed, files };
}

/**
 * The URL `repo` is read from: its URI, or with `snapshot` the archive as it was then, located by
 * apt's rule (formats/deb/snapshot-server.ts) from the fields of the current Release of its first
 * suite, verified like any Release. A suite the live archive no longer has leaves the URI's host to
 * decide. Throws AptReleaseError when no snapshot server is known, or as openSuite does.
 */
async function sourceUrl(repo: SyncRepo, transfer: Transfer, keys: RepoPlan['keys'], now: number | undefined):
  Promise<string> {
  if (!repo.snapshot) return repo.baseurl;
  const first = repo.suites?.[0] ?? './';
  let fields: Record<string, string> | undefined;
  try {
    fields = (await openSuite(repo, first, transfer, keys, now)).release.fields;
  } catch (err) {
    if (!(err instanceof AptReleaseError && err.kind === 'absent')) throw err;
  }
  const url = snapshotUrl(repo.baseurl, repo.snapshot, fields);
  if (!url) {
    throw new AptReleaseError('content', `snapshots are not known for ${repo.baseurl} ${first}: its Release names `
      + 'no snapshot server (Snapshots:) and no default covers its host; give the snapshot\'s own URL as the URI');
  }
  return url;
}

/** The uncompressed names of the Packages indices the repo selects in `s` (`main/binary-amd64/Packages`). */
function indexNames(repo: SyncRepo, s: Suite): string[] {
  if (isFlat(s.name)) return ['Packages'];
  const arches = repo.architectures ?? ['amd64'];
  return (repo.components ?? []).flatMap((c) => arches.map((a) => `${c}/binary-${a}/Packages`));
}

/**
 * The Release entries a whole-suite sync keeps verbatim: for each selected component and
 * architecture its `binary-<arch>/` files (every Packages variant, its Release), `binary-all/`
 * when the Release names `all`, `Contents-<arch>` variants and `i18n/Translation-*`, never by-hash copies.
 */
function keptEntries(repo: SyncRepo, s: Suite): ReleaseEntry[] {
  // the Release files themselves are placed from what was verified, never from a list they are on
  const all = [...s.release.entries.values()].filter((e) => !e.path.includes('/by-hash/')
    && !RELEASE_FILES.includes(e.path));
  if (isFlat(s.name)) return all.filter((e) => !e.path.includes('/'));
  const arches = [...(repo.architectures ?? ['amd64']), ...(s.release.architectures.includes('all') ? ['all'] : [])];
  const prefixes = (repo.components ?? []).flatMap((c) => [
    ...arches.flatMap((a) => [`${c}/binary-${a}/`, `${c}/Contents-${a}`]), `${c}/i18n/Translation-`]);
  prefixes.push(...arches.map((a) => `Contents-${a}`));
  return all.filter((e) => prefixes.some((p) => e.path.startsWith(p)));
}

/**
 * Fetches one index of `s` into `file` (verified against the Release) and parses it: by-hash
 * first when the Release offers it, the plain name when that is absent (apt's order).
 */
async function readIndex(s: Suite, entry: ReleaseEntry, file: string, transfer: Transfer): Promise<AptIndexEntry[]> {
  const expect = { size: entry.size, checksumType: entry.hashType, checksum: entry.hash };
  if (!(await fileMatches(file, expect))) {
    const plain = `${s.url}${encodePath(entry.path)}`;
    try {
      const first = s.release.acquireByHash ? `${s.url}${encodePath(byHashPath(entry))}` : plain;
      await transfer.download(first, file, expect);
    } catch (err) {
      if (!(s.release.acquireByHash && err instanceof TransferError && err.status === 404)) throw err;
      await transfer.download(plain, file, expect);
    }
  }
  const text = (await unpackIndex(entry.path, await readFile(file))).toString('utf8');
  return parsePackagesIndex(text).entries;
}

/** Key of a deb repo's selection: the rpm fields' key and the suites, components and architectures. */
const debSelectionKey = (repo: SyncRepo, locked?: LockedRepo) => sha256(selectionKeyOf(repo, locked)
  + JSON.stringify([repo.suites, repo.components, repo.architectures]));

/** The paragraphs a previous sync kept for packages still on disk that upstream no longer lists. */
async function localOnly(dir: string, upstream: Map<string, AptIndexEntry>): Promise<AptIndexEntry[]> {
  const text = await readFile(join(dir, SYNC_DIR, TAKEN_STANZAS), 'utf8').catch(() => '');
  return parsePackagesIndex(text).entries.filter((e) => {
    const path = insideRepo(e.filename);
    if (!path || upstream.has(path)) return false;
    const st = lstatSync(join(dir, path), { throwIfNoEntry: false });
    return !!st?.isFile() && st.size === e.size;
  });
}

/**
 * Plans apt repo `repo` (see the module comment). Returns undefined when the repo cannot be
 * synced at all (a Release or index unreachable, unsigned, badly signed or inconsistent:
 * reported to `ctx.diags`, nothing of the repo written).
 */
export async function planAptRepo(repo: SyncRepo, transfer: Transfer, ctx: PlanContext, locked?: LockedRepo):
  Promise<RepoPlan | undefined> {
  const { diags } = ctx;
  const path = locked?.path ?? repo.path ?? repo.id;
  const dir = join(ctx.mirrorDir, path);
  let keys: RepoPlan['keys'];
  if (!repo.trusted) {
    const k = await loadSignedByKeys(repo, transfer, locked?.keys);
    if ('problem' in k) {
      diags.report('sync-upstream-key', withSlash(repo.baseurl), k.problem);
      return undefined;
    }
    keys = k;
  } else diags.report('sync-apt-trusted', withSlash(repo.baseurl));
  const now = repo.checkValidUntil === false ? undefined : Math.floor(Date.now() / 1000);
  let source = repo;
  try {
    const url = await sourceUrl(repo, transfer, keys, now);
    if (url !== repo.baseurl) source = { ...repo, baseurl: url };
  } catch (err) {
    if (err instanceof TransferError) reportTransfer(diags, err.url, err);
    else diags.report(err instanceof AptReleaseError && err.kind === 'signature' ? 'sync-repo-signature'
      : 'sync-release-bad', withSlash(repo.baseurl), (err as Error).message);
    return undefined;
  }
  const root = withSlash(source.baseurl);
  const suites: Suite[] = [];
  for (const name of repo.suites ?? []) {
    const at = `${root}${encodePath(distOf(name))}InRelease`;
    try {
      suites.push(await openSuite(source, name, transfer, keys, now));
    } catch (err) {
      if (err instanceof AptReleaseError) {
        diags.report(err.kind === 'signature' ? 'sync-repo-signature' : 'sync-release-bad', at, err.message);
      } else if (err instanceof TransferError) reportTransfer(diags, err.url, err);
      else diags.report('sync-release-bad', at, (err as Error).message);
      return undefined;
    }
  }
  const releaseFiles = suites.flatMap((s) => s.files);
  const releaseKey = sha256(Buffer.concat(releaseFiles.flatMap((f) => [Buffer.from(`${f.path}\n`), f.data])));
  const inClosure = !locked && !!ctx.closure?.participates(repo.id);
  const selectionKey = inClosure ? `closure:${sha256(debSelectionKey(source) + ctx.closure!.key)}`
    : debSelectionKey(source, locked);
  const state = await readSyncState(dir);
  const lockStale = !!locked && locked.repomdSha256 !== releaseKey;
  if (lockStale) diags.report('sync-lock-stale', `${root}${encodePath(suites[0]?.dist ?? '')}InRelease`);
  const plan: RepoPlan = {
    repo: source, format: 'deb', path, dir, repomd: Buffer.alloc(0), repomdSha256: releaseKey, selectionKey,
    upToDate: false,
    subset: inClosure, reasons: [], take: [], fetch: [], presentBytes: 0, remove: [], removeBytes: 0, metadata: [],
    lockStale, releaseFiles, stanzas: [], ...(keys ? { keys } : {}),
  };
  if (!inClosure && state?.complete && state.repomdSha256 === releaseKey && state.selection === selectionKey
    && await stateIntact(dir, state)) {
    takeFromState(plan, state, root);
    plan.stanzas = undefined; // the kept paragraphs stand
  } else {
    let scratch: string | undefined;
    try {
      const upstream = new Map<string, AptIndexEntry>();
      for (const s of suites) {
        const names = indexNames(repo, s);
        for (const name of names) {
          const [best] = indexVariants(s.release, name);
          if (!best) {
            diags.report('sync-apt-index-absent', `${s.url}${name}`, s.release.architectures.join(' ') || 'none');
            continue;
          }
          const local = `${s.dist}${best.path}`;
          scratch ??= ctx.dryRun ? await mkdtemp(join(tmpdir(), 'airgap-sync-plan-')) : undefined;
          const file = scratch ? join(scratch, encodeURIComponent(local)) : incomingPath(dir, local);
          const kept = join(dir, local);
          const entry = { size: best.size, checksumType: best.hashType, checksum: best.hash };
          const entries = await readIndex(s, best, await fileMatches(kept, entry) ? kept : file, transfer);
          for (const e of entries) {
            const p = insideRepo(isFlat(s.name) ? posix.join(s.dist, e.filename) : e.filename);
            if (!p) {
              diags.report('sync-unsafe-location', `${s.url}${name}`,
                `${debNva(e)}: Filename ${e.filename} leaves the repo`);
              continue;
            }
            if (!upstream.has(p)) upstream.set(p, e);
          }
        }
        if (!inClosure && !locked) {
          for (const e of keptEntries(repo, s)) {
            const mPath = `${s.dist}${e.path}`;
            const expect = { size: e.size, checksumType: e.hashType, checksum: e.hash };
            plan.metadata.push({
              entry: { type: 'apt-index', href: e.path, size: e.size, checksumType: e.hashType, checksum: e.hash },
              path: mPath, url: `${s.url}${encodePath(e.path)}`, present: await fileMatches(join(dir, mPath), expect),
            } satisfies PlannedMetadata);
          }
        }
      }
      let chosen: [string, AptIndexEntry][] = [...upstream];
      if (locked) {
        plan.take = locked.packages.map((f) => ({ path: f.location, url: f.url, nevra: f.nevra,
          expect: { size: f.size, checksumType: f.checksumType, checksum: f.checksum } }));
        plan.subset = locked.subset;
        plan.reasons = locked.reasons;
        const lockedPaths = new Set(plan.take.map((f) => f.path));
        chosen = chosen.filter(([p]) => lockedPaths.has(p));
      } else if (inClosure) {
        const local = await localOnly(dir, upstream);
        const localSet = new Set(local);
        const keep = await ctx.closure!.offerApt({ repo, entries: [...upstream.values()], local: localSet });
        const before = upstream.size;
        chosen = [...chosen, ...local.map((e) => [insideRepo(e.filename)!, e] as [string, AptIndexEntry])]
          .filter(([, e]) => keep.has(e));
        const keptLocal = chosen.filter(([, e]) => localSet.has(e));
        for (const [p, e] of keptLocal) {
          diags.report('closure-kept-local', join(dir, p), ctx.closure!.poolsTaking(e).join(', '));
        }
        plan.reasons.push(`dependency closure of the node pools: ${chosen.length} of ${before} packages`);
        if (keptLocal.length) plan.reasons.push(`${keptLocal.length} kept: upstream no longer has them`);
      }
      if (!locked) {
        plan.take = chosen.map(([p, e]) => ({ path: p, url: `${root}${encodePath(p)}`, nevra: debNva(e),
          expect: { size: e.size, checksumType: 'sha256', checksum: e.sha256 } } satisfies PlannedFile));
      }
      plan.stanzas = chosen.map(([p, e]) => ({ path: p, stanza: e.stanza }));
    } catch (err) {
      if (err instanceof TransferError) reportTransfer(diags, err.url, err);
      else diags.report('sync-release-bad', root, (err as Error).message);
      return undefined;
    } finally {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
    await sortTaken(plan, state, inClosure);
  }
  if (ctx.delete) {
    const remove = await strays(dir, new Set(plan.take.map((f) => f.path)), '.deb');
    plan.remove = remove.map((r) => r.path);
    plan.removeBytes = remove.reduce((n, r) => n + r.size, 0);
  }
  return plan;
}
