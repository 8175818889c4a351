/**
 * What one Ubuntu node pool needs from the apt repositories: the roots its driver builds install
 * (apt-profiles.ts, pinned to the pool's kernel by name; plus packages named in the config) and
 * their closure under apt's rules (formats/deb `AptDependencyIndex`): Pre-Depends and Depends (and
 * Recommends with weak deps), the first alternative apt can install, the candidate version, virtual
 * packages through Provides, Multi-Arch. A relation already met by a package taken is not followed
 * again (apt skips it too).
 */
import picomatch from 'picomatch';
import {
  AptDependencyIndex, installRelations, relationsOf, type AptIndexEntry, type DebAlternative,
} from '../formats/format.ts';
import { aptProfilesWantWeakDeps, aptWantedPackages } from './apt-profiles.ts';

/** An Ubuntu pool: id, `uname -r` kernel ('' for package roots only), dpkg arch, Ubuntu version (`22.04`). */
export interface AptPoolTarget { id: string; kernel: string; arch: string; osVersion?: string }

/** One root: the request, what met it, whether the build goes on without it, its profile. */
export interface AptRootPick {
  want: string; profile?: string; optional: boolean; pinned: boolean; found: AptIndexEntry[];
}

/** A relation no package meets: who needs it, and the relation as written. */
export interface AptUnmet { pkg: AptIndexEntry; dep: string }

/** The closure of one pool; `bytes` sums the `.deb` sizes. */
export interface AptPoolClosure {
  pool: AptPoolTarget; wanted: AptRootPick[]; missing: string[]; packages: AptIndexEntry[]; bytes: number;
  unmet: AptUnmet[];
  /** Recommends no package meets (apt skips them silently). */
  weakUnmet: AptUnmet[];
  /** A profile needs gcc of a kernel the gcc table does not know. */
  gccUnknown: boolean;
}

/** What to take: profiles, extra roots (names or globs; with `repoId`, looked for in that repo only), Recommends. */
export interface AptClosureRequest {
  profiles: string[]; packages: (string | { entry: string; repoId: string })[]; weakDeps?: boolean;
  /** The repo each package came from (for roots limited to one repo). */
  repoOf: (e: AptIndexEntry) => string;
}

const altText = (a: DebAlternative) => `${a.name}${a.arch ? `:${a.arch}` : ''}${a.op ? ` (${a.op} ${a.version})` : ''}`;

/** The closure of `pool` over `all` (see the module comment). Throws for an unknown profile. */
export function aptPoolClosure(all: AptIndexEntry[], pool: AptPoolTarget, req: AptClosureRequest): AptPoolClosure {
  const ix = new AptDependencyIndex(all, pool.arch);
  const weakDeps = req.weakDeps ?? aptProfilesWantWeakDeps(req.profiles);
  const wanted: AptRootPick[] = [];
  const { wanted: roots, gccUnknown } = pool.kernel ? aptWantedPackages(req.profiles, pool.kernel, pool.osVersion)
    : { wanted: [], gccUnknown: false };
  for (const w of roots) {
    wanted.push({ want: w.name, profile: w.profile, optional: w.optional, pinned: w.pinned,
      found: ix.versionsOf(w.name).slice(0, 1) });
  }
  for (const e of req.packages) {
    const [entry, repoId] = typeof e === 'string' ? [e, undefined] : [e.entry, e.repoId];
    const m = picomatch(entry);
    const names = new Set(all.filter((p) => m(p.package) && (!repoId || req.repoOf(p) === repoId))
      .map((p) => p.package));
    const found = [...names].sort().flatMap((n) => ix.versionsOf(n).filter((p) => !repoId || req.repoOf(p) === repoId)
      .slice(0, 1));
    wanted.push({ want: repoId ? `${entry} (from ${repoId})` : entry, optional: false, pinned: false, found });
  }
  // what is marked for install, by name and by what it provides, to see whether a relation is already met
  const marked = new Set<AptIndexEntry>(), done = new Set<AptIndexEntry>();
  const byName = new Map<string, AptIndexEntry[]>();
  const mark = (e: AptIndexEntry) => {
    if (marked.has(e)) return;
    marked.add(e);
    for (const n of [e.package, ...relationsOf(e, 'Provides').flatMap((r) => r.map((a) => a.name))]) {
      (byName.get(n) ?? byName.set(n, []).get(n)!).push(e);
    }
  };
  const unmet: AptUnmet[] = [], weakUnmet: AptUnmet[] = [];
  const queue = wanted.flatMap((w) => w.found);
  const fields = installRelations(weakDeps);
  for (let i = 0; i < queue.length; i++) {
    const e = queue[i]!;
    if (done.has(e)) continue;
    done.add(e);
    mark(e);
    for (const field of fields) {
      for (const rel of relationsOf(e, field)) {
        if (rel.some((alt) => ix.metBy(alt, byName.get(alt.name) ?? []))) continue;
        const pick = rel.map((alt) => ix.choose(alt)).find((c) => c.length)?.[0];
        if (pick) {
          mark(pick);
          queue.push(pick);
        } else {
          (field === 'Recommends' ? weakUnmet : unmet).push({ pkg: e, dep: rel.map(altText).join(' | ') });
        }
      }
    }
  }
  const packages = [...done].sort((a, b) => a.package.localeCompare(b.package) || a.version.localeCompare(b.version));
  return {
    pool, wanted, missing: wanted.filter((w) => !w.found.length && !w.optional).map((w) => w.want), packages,
    bytes: packages.reduce((n, p) => n + p.size, 0), unmet, weakUnmet, gccUnknown,
  };
}
