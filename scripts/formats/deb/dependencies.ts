/**
 * apt's dependency rules over a set of package versions for one node's architecture (apt 2.4
 * apt-pkg/depcache.cc `MarkInstall`, pkgcache.cc; dpkg deb-control(5) for Multi-Arch):
 * - a relation `a | b | c` is met when one alternative is; apt installs the first alternative it can,
 *   taking the candidate (the newest version) of a real package, else a provider of a virtual one;
 * - a version relation (`>=`, `<<`, …) compares with dpkg's order; a virtual package meets an
 *   unversioned relation through any `Provides`, a versioned one only through a versioned
 *   `Provides: name (= v)` (Debian Policy §7.5);
 * - Multi-Arch: an unqualified relation is met by the same arch, by `all`, and by `foreign`
 *   packages of any arch; `name:any` by `allowed` ones; `name:<arch>` by that arch.
 */
import type { DebAlternative } from './control.ts';
import { relationsOf, type AptIndexEntry } from './packages-index.ts';
import { compareDebVersions } from './version.ts';

/** Whether `version` meets `op target` (Policy §7.1). */
export function versionMeets(version: string, op: DebAlternative['op'], target: string | undefined): boolean {
  if (!op || target === undefined) return true;
  const c = compareDebVersions(version, target);
  switch (op) {
    case '<<': return c < 0;
    case '<=': return c <= 0;
    case '=': return c === 0;
    case '>=': return c >= 0;
    case '>>': return c > 0;
  }
}

/** apt's Priority order for choosing among a virtual package's providers (depcache.cc CompareProviders). */
const PRIORITY_RANK: Record<string, number> = { required: 5, important: 4, standard: 3, optional: 2, extra: 1 };

/** Package versions indexed by name and by what they provide, for one architecture. */
export class AptDependencyIndex {
  private readonly byName = new Map<string, AptIndexEntry[]>();
  private readonly byProvide = new Map<string, { e: AptIndexEntry; version?: string }[]>();

  /**
   * @param packages every version offered (any arch; those of other arches than `arch` and `all`
   *   count only when Multi-Arch foreign or allowed lets them meet a relation)
   * @param arch the node's dpkg architecture (`amd64`, `arm64`)
   */
  readonly arch: string;

  constructor(packages: AptIndexEntry[], arch: string) {
    this.arch = arch;
    for (const e of packages) {
      const otherArch = e.architecture !== arch && e.architecture !== 'all';
      if (otherArch && e.multiArch !== 'foreign' && e.multiArch !== 'allowed') {
        continue;
      }
      push(this.byName, e.package, e);
      for (const rel of relationsOf(e, 'Provides')) {
        for (const p of rel) push(this.byProvide, p.name, { e, ...(p.version ? { version: p.version } : {}) });
      }
    }
    for (const list of this.byName.values()) list.sort((a, b) => compareDebVersions(b.version, a.version));
  }

  /** Whether `e` may meet an alternative with arch qualifier `qual` (Multi-Arch rules above). */
  private archFits(e: AptIndexEntry, qual: string | undefined): boolean {
    const native = e.architecture === this.arch || e.architecture === 'all';
    if (!qual) return native || e.multiArch === 'foreign';
    // dpkg deps.c: `name:any` is met only by a Multi-Arch: allowed package (of any arch)
    if (qual === 'any') return e.multiArch === 'allowed';
    if (qual === 'native') return native;
    return e.architecture === qual || (e.architecture === 'all' && qual === this.arch);
  }

  /** Every version of the real package `name` (newest first) fit for this arch. */
  versionsOf(name: string): AptIndexEntry[] {
    return (this.byName.get(name) ?? []).filter((e) => this.archFits(e, undefined));
  }

  /**
   * What apt would install for one alternative: the candidate (newest) of the real package when it
   * meets the relation (else the newest version that does), else the best provider (highest
   * Priority, then native arch, then name) of the virtual package. Empty when nothing meets it.
   */
  choose(alt: DebAlternative): AptIndexEntry[] {
    const real = (this.byName.get(alt.name) ?? []).filter((e) => this.archFits(e, alt.arch));
    const met = real.filter((e) => versionMeets(e.version, alt.op, alt.version));
    if (met.length) return [met[0]!];
    const providers = (this.byProvide.get(alt.name) ?? []).filter(({ e, version }) => this.archFits(e, alt.arch)
      && (!alt.op || (version !== undefined && versionMeets(version, alt.op, alt.version))));
    if (!providers.length) return [];
    const rank = (e: AptIndexEntry) => PRIORITY_RANK[e.priority] ?? 0;
    const best = providers.map((p) => p.e).sort((a, b) => rank(b) - rank(a)
      || Number(b.architecture === this.arch) - Number(a.architecture === this.arch)
      || a.package.localeCompare(b.package) || compareDebVersions(b.version, a.version));
    return [best[0]!];
  }

  /** Whether one of `have` meets `alt` (its name and version, or a fitting Provides). */
  metBy(alt: DebAlternative, have: Iterable<AptIndexEntry>): boolean {
    for (const e of have) {
      if (!this.archFits(e, alt.arch)) continue;
      if (e.package === alt.name && versionMeets(e.version, alt.op, alt.version)) return true;
      for (const rel of relationsOf(e, 'Provides')) {
        for (const p of rel) {
          if (p.name !== alt.name) continue;
          if (!alt.op || (p.version !== undefined && versionMeets(p.version, alt.op, alt.version))) return true;
        }
      }
    }
    return false;
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** The relation fields apt follows when installing: Pre-Depends and Depends, and Recommends with weak deps. */
export const installRelations = (weakDeps: boolean) =>
  weakDeps ? ['Pre-Depends', 'Depends', 'Recommends'] : ['Pre-Depends', 'Depends'];

/** Map the rpm arch the node pools carry (`x86_64`, `aarch64`) to dpkg's (`amd64`, `arm64`); others pass through. */
export const dpkgArch = (arch: string) =>
  ({ x86_64: 'amd64', aarch64: 'arm64', ppc64le: 'ppc64el' } as Record<string, string>)[arch] ?? arch;
