/**
 * What one node pool needs from the mirror: the root packages its driver builds install
 * (profiles pinned to the pool's kernel, plus packages named in the config) and their
 * dependency closure over every configured repo, limited to the pool's arch and noarch.
 * Shared by `sync` (over upstream primary.xml) and the preflight (over the mirror's headers).
 */
import picomatch from 'picomatch';
import { ClosureIndex, type ClosurePackage } from './closure-index.ts';
import { kernelTarget, profilesWantWeakDeps, wantedPackages, type KernelTarget } from './profiles.ts';
import { pickProviders, resolveClosure, type UnmetRequirement } from './resolve-closure.ts';

/**
 * What to take: profile names, extra root packages (names, globs or NEVRAs; an entry with a
 * `repoId` is looked for in that repo only), weak deps (default: as the profiles say),
 * versions per name (default 1).
 */
export interface ClosureRequest {
  profiles: string[]; packages: (string | { entry: string; repoId: string })[]; weakDeps?: boolean; newest?: number;
}

/** A node pool (or a kernel named in the config): id, `uname -r` kernel ('' for package roots only), rpm arch. */
export interface PoolTarget { id: string; kernel: string; arch: string }

/**
 * One wanted root: the request as written (pinned ones as `name-version-release.arch`), what met it,
 * and for a profile's entry its package name and whether it is pinned to the kernel.
 */
export interface RootPick { want: string; profile?: string; name?: string; pinned?: boolean; found: ClosurePackage[] }

/** The closure of one pool; `bytes` is the sum of package sizes. */
export interface PoolClosure {
  pool: PoolTarget; target: KernelTarget; wanted: RootPick[]; missing: string[];
  packages: ClosurePackage[]; bytes: number; unmet: UnmetRequirement[];
  /** Unmet requirements of packages only weak dependencies brought (a warning: dnf skips them). */
  weakUnmet: UnmetRequirement[];
}

const withEpoch = (p: ClosurePackage) => `${p.name}-${p.epoch || '0'}:${p.version}-${p.release}.${p.arch}`;
const nvra = (p: ClosurePackage) => `${p.name}-${p.version}-${p.release}.${p.arch}`;

/** Candidates matching a config entry: a NEVRA exactly, else the newest installable of each name the glob matches. */
function matchEntry(entry: string, candidates: ClosurePackage[], pick: (list: ClosurePackage[]) => ClosurePackage[]):
  ClosurePackage[] {
  const exact = candidates.filter((p) => p.nevra === entry || nvra(p) === entry || withEpoch(p) === entry);
  if (exact.length) return exact;
  const m = picomatch(entry);
  return pick(candidates.filter((p) => m(p.name)));
}

/** The target of a pool without a kernel: package roots only, for one arch (and noarch). */
const archOnly = (arch: string): KernelTarget => ({ kernel: '', versionRelease: '', arch, flavour: 'standard' });

/**
 * Resolves `req` for `pool` over `all` (every repo's packages; source packages and other
 * arches are left out here). A pool with kernel '' takes package roots only (no profile needs
 * one). Throws an Error for an unknown profile or an unreadable kernel.
 */
export function poolClosure(all: ClosurePackage[], pool: PoolTarget, req: ClosureRequest): PoolClosure {
  const target = pool.kernel ? kernelTarget(pool.kernel, pool.arch) : archOnly(pool.arch);
  const newest = req.newest ?? 1;
  const candidates = all.filter((p) => p.arch === target.arch || p.arch === 'noarch');
  const ix = new ClosureIndex(candidates);
  const memo = new Map<ClosurePackage, boolean>();
  const pick = (list: ClosurePackage[]) => pickProviders(ix, list, newest, memo);
  const wanted: RootPick[] = [];
  for (const w of wantedPackages(req.profiles, target)) {
    if (w.pinned) {
      const found = candidates.filter((p) => p.name === w.name && p.arch === target.arch
        && `${p.version}-${p.release}` === target.versionRelease);
      const want = `${w.name}-${target.versionRelease}.${target.arch}`;
      wanted.push({ want, profile: w.profile, name: w.name, pinned: true, found });
    } else {
      wanted.push({ want: w.name, profile: w.profile, name: w.name, pinned: false,
        found: pick(candidates.filter((p) => p.name === w.name)) });
    }
  }
  for (const e of req.packages) {
    const [entry, repoId] = typeof e === 'string' ? [e, undefined] : [e.entry, e.repoId];
    const among = repoId ? candidates.filter((p) => p.repoId === repoId) : candidates;
    wanted.push({ want: repoId ? `${entry} (from ${repoId})` : entry, found: matchEntry(entry, among, pick) });
  }
  const closure = resolveClosure(ix, wanted.flatMap((w) => w.found), {
    newest, weakDeps: req.weakDeps ?? profilesWantWeakDeps(req.profiles),
  });
  const packages = [...closure.packages].sort((a, b) => a.key.localeCompare(b.key));
  return {
    pool, target, wanted, missing: wanted.filter((w) => !w.found.length).map((w) => w.want),
    packages, bytes: packages.reduce((n, p) => n + p.size, 0), unmet: closure.unmet, weakUnmet: closure.weakUnmet,
  };
}
