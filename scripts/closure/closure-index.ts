/**
 * The packages a closure may take from (one node pool's candidates across all repos) and
 * who provides what among them, with dnf's matching rules: a dependency is met by a
 * provide of the same name whose version range overlaps (rpm `rpmdsCompare`, as in
 * catalog/dependency-index.ts), or, for an absolute path, by a package shipping that file.
 * Rich dependencies are evaluated over a set of packages (libsolv semantics of
 * and/or/if/unless/with/without).
 */
import { type Dependency } from '../formats/format.ts';
import { rangesOverlap } from '../catalog/dependency-index.ts';
import { isRich, parseRich, type RichDep } from './rich-dependency.ts';

/**
 * One package as the closure sees it, from primary.xml (sync) or from the RPM header
 * (build, preflight). `key` is unique across repos (`<repoId>/<nevra>`); `size` in bytes;
 * `files` holds the paths the package ships that some candidate requires (primary files,
 * plus filelists hits for other required paths).
 */
export interface ClosurePackage {
  key: string; repoId: string; nevra: string;
  name: string; epoch: string; version: string; release: string; arch: string; size: number;
  provides: Dependency[]; requires: Dependency[]; recommends: Dependency[]; supplements: Dependency[];
  files: string[];
}

/** Provides and files of a candidate set; rich dependencies parsed once and cached. */
export class ClosureIndex {
  private readonly byProvide = new Map<string, { pkg: ClosurePackage; dep: Dependency }[]>();
  private readonly byFile = new Map<string, ClosurePackage[]>();
  private readonly rich = new Map<string, RichDep | Error>();

  /** The candidates (no source packages). */
  readonly packages: ClosurePackage[];

  constructor(packages: ClosurePackage[]) {
    this.packages = packages;
    for (const pkg of packages) {
      for (const dep of pkg.provides) push(this.byProvide, dep.name, { pkg, dep });
      for (const f of pkg.files) push(this.byFile, f, pkg);
    }
  }

  /** Candidates meeting a plain dependency (empty when none). */
  providers(dep: Dependency): ClosurePackage[] {
    const out = new Set<ClosurePackage>();
    for (const { pkg, dep: p } of this.byProvide.get(dep.name) ?? []) if (rangesOverlap(p, dep)) out.add(pkg);
    if (dep.name.startsWith('/')) for (const p of this.byFile.get(dep.name) ?? []) out.add(p);
    return [...out];
  }

  /** The parsed form of a rich dependency name, or the parse error. */
  parsed(name: string): RichDep | Error {
    let r = this.rich.get(name);
    if (!r) {
      try { r = parseRich(name); } catch (err) { r = err as Error; }
      this.rich.set(name, r);
    }
    return r;
  }

  /** True when `dep` (plain or rich) is met by the packages of `set`. A malformed rich dependency is never met. */
  met(dep: Dependency, set: Set<ClosurePackage>): boolean {
    if (!isRich(dep.name)) return this.providers(dep).some((p) => set.has(p));
    const r = this.parsed(dep.name);
    return !(r instanceof Error) && this.metRich(r, set);
  }

  /** libsolv's truth of a rich dependency over `set`. */
  metRich(r: RichDep, set: Set<ClosurePackage>): boolean {
    switch (r.op) {
      case 'leaf': return this.providers(r.dep).some((p) => set.has(p));
      case 'and': return r.args.every((a) => this.metRich(a, set));
      case 'or': return r.args.some((a) => this.metRich(a, set));
      case 'with': return this.richProviders(r).some((p) => set.has(p));
      case 'without': return this.richProviders(r).some((p) => set.has(p));
      case 'if': return this.metRich(r.cond, set) ? this.metRich(r.then, set) : (!r.else || this.metRich(r.else, set));
      case 'unless':
        return this.metRich(r.cond, set) ? (!r.else || this.metRich(r.else, set)) : this.metRich(r.then, set);
    }
  }

  /**
   * Candidates that would meet a rich operand on their own: a leaf's providers; for `with`,
   * packages meeting every operand; for `without`, the first operand's minus the others';
   * for `and`/`or`/`if`/`unless`, the providers of every operand (what might be needed).
   */
  richProviders(r: RichDep): ClosurePackage[] {
    switch (r.op) {
      case 'leaf': return this.providers(r.dep);
      case 'with': {
        const [first, ...rest] = r.args.map((a) => new Set(this.richProviders(a)));
        return [...first!].filter((p) => rest.every((s) => s.has(p)));
      }
      case 'without': {
        const [first, ...rest] = r.args.map((a) => new Set(this.richProviders(a)));
        return [...first!].filter((p) => !rest.some((s) => s.has(p)));
      }
      case 'and': case 'or': return r.args.flatMap((a) => this.richProviders(a));
      case 'if': case 'unless':
        return [r.then, r.cond, ...(r.else ? [r.else] : [])].flatMap((a) => this.richProviders(a));
    }
  }
}

/** Absolute paths named by any dependency of `pkgs` a closure follows (inside rich dependencies too). */
export function requiredPaths(pkgs: ClosurePackage[]): Set<string> {
  const out = new Set<string>();
  for (const p of pkgs) for (const d of [...p.requires, ...p.recommends, ...p.supplements]) {
    if (d.name.startsWith('/')) out.add(d.name);
    else if (isRich(d.name)) for (const m of d.name.matchAll(/(?<=[\s(])\/[^\s()]+/g)) out.add(m[0]);
  }
  return out;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const cur = map.get(key);
  if (cur) cur.push(value);
  else map.set(key, [value]);
}
