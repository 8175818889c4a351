/**
 * Resolves dependencies across the whole mirror, as dnf would with every repo enabled:
 * a dependency is provided by a package whose provides entry of the same name has an
 * overlapping version range (rpm's rpmdsCompare rules), or, for a path, by a package that
 * ships that file. Source packages provide nothing. Used for provider links and "required
 * by" lists on package pages.
 */
import { compareEvr, nevra, type Dependency, type PackageRecord } from '../formats/format.ts';

/** A package in a given repo, as pages link to it. */
export interface PackageRef { repoId: string; name: string; nevra: string; arch: string }

const SENSE: Record<string, number> = { LT: 2, GT: 4, EQ: 8, LE: 10, GE: 12 };

/**
 * True when the ranges of a provide and a requirement of the same name overlap
 * (rpm lib/rpmds.c `rpmdsCompareEVR` logic; a missing release matches any release).
 */
export function rangesOverlap(provide: Dependency, require: Dependency): boolean {
  if (!provide.flags || !require.flags) return true;
  const p = SENSE[provide.flags]!, r = SENSE[require.flags]!;
  const pe = { epoch: provide.epoch ?? '0', version: provide.version ?? '', release: require.release === undefined ? undefined : provide.release };
  const re = { epoch: require.epoch ?? '0', version: require.version ?? '', release: provide.release === undefined ? undefined : require.release };
  const sense = compareEvr(pe, re);
  if (sense < 0) return (p & 4) !== 0 || (r & 2) !== 0;
  if (sense > 0) return (p & 2) !== 0 || (r & 4) !== 0;
  return ((p & 8) !== 0 && (r & 8) !== 0) || ((p & 2) !== 0 && (r & 2) !== 0) || ((p & 4) !== 0 && (r & 4) !== 0);
}

/** A package of the index; `rank` is its place in the order pages list packages in (repo, then NEVRA). */
interface Entry { ref: PackageRef; record: PackageRecord; rank: number }

/** A dependency's identity for the memo of its providers: name, flags and EVR. */
const depKey = (d: Dependency) =>
  `${d.name}\0${d.flags ?? ''}\0${d.epoch ?? ''}\0${d.version ?? ''}\0${d.release ?? ''}`;

/**
 * Index of provides and (required) files over all repos. Providers are resolved once per
 * distinct dependency (libc.so.6()(64bit) is required by most packages) and packages are
 * ordered by a rank given once, so a 30,000-package mirror's pages resolve in about 1 s
 * instead of 3.5 s.
 */
export class DependencyIndex {
  private readonly byProvide = new Map<string, { entry: Entry; dep: Dependency }[]>();
  private readonly byFile = new Map<string, Entry[]>();
  private readonly requiredBy = new Map<PackageRecord, Entry[]>();
  /** Providers of each distinct dependency (depKey), in rank order, and their refs. */
  private readonly resolved = new Map<string, { entries: Entry[]; refs: PackageRef[] }>();

  /** @param repos each repo id with its package records (NEVRAs unique within a repo, as the scan leaves them). */
  constructor(repos: { repoId: string; packages: PackageRecord[] }[]) {
    const entries: Entry[] = repos.flatMap((r) => r.packages.map((p) => ({
      ref: { repoId: r.repoId, name: p.name, nevra: nevra(p), arch: p.arch }, record: p, rank: 0,
    })));
    [...entries].sort((a, b) => a.ref.repoId.localeCompare(b.ref.repoId) || a.ref.nevra.localeCompare(b.ref.nevra))
      .forEach((e, i) => { e.rank = i; });
    const wantedFiles = new Set<string>();
    for (const { record } of entries) {
      for (const kind of ['requires', 'recommends', 'suggests', 'supplements', 'enhances', 'conflicts', 'obsoletes'] as const) {
        for (const d of record.deps[kind]) if (d.name.startsWith('/')) wantedFiles.add(d.name);
      }
    }
    for (const entry of entries) {
      if (entry.record.arch === 'src') continue;
      for (const dep of entry.record.deps.provides) push(this.byProvide, dep.name, { entry, dep });
      for (const f of entry.record.files) if (wantedFiles.has(f.path)) push(this.byFile, f.path, entry);
    }
    for (const entry of entries) {
      if (entry.record.arch === 'src') continue;
      for (const d of entry.record.deps.requires) {
        for (const e of this.resolve(d).entries) {
          if (e.record === entry.record) continue;
          const list = this.requiredBy.get(e.record);
          if (!list) this.requiredBy.set(e.record, [entry]);
          else if (list[list.length - 1] !== entry) list.push(entry); // one package's requires come together
        }
      }
    }
  }

  /** The providers of `dep`, worked out once per distinct dependency. */
  private resolve(dep: Dependency): { entries: Entry[]; refs: PackageRef[] } {
    const key = depKey(dep);
    let found = this.resolved.get(key);
    if (!found) {
      const out = new Set<Entry>();
      for (const { entry, dep: p } of this.byProvide.get(dep.name) ?? []) if (rangesOverlap(p, dep)) out.add(entry);
      if (dep.name.startsWith('/')) for (const e of this.byFile.get(dep.name) ?? []) out.add(e);
      const entries = inRankOrder([...out]);
      this.resolved.set(key, (found = { entries, refs: entries.map((e) => e.ref) }));
    }
    return found;
  }

  /**
   * Packages in the mirror satisfying `dep` (empty when unresolved), sorted by repo then NEVRA.
   * The array is shared by every equal dependency: callers must not modify it.
   */
  providers(dep: Dependency): readonly PackageRef[] {
    return this.resolve(dep).refs;
  }

  /** Packages whose Requires are satisfied by `record` (its provides or files), sorted. */
  requiredByOf(record: PackageRecord): PackageRef[] {
    return inRankOrder([...(this.requiredBy.get(record) ?? [])]).map((e) => e.ref);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const cur = map.get(key);
  if (cur) cur.push(value);
  else map.set(key, [value]);
}

/** `entries` (distinct) sorted in place by rank. */
function inRankOrder(entries: Entry[]): Entry[] {
  return entries.sort((a, b) => a.rank - b.rank);
}
