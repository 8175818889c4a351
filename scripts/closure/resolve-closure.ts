/**
 * Dependency closure of root packages over one node pool's candidates, with dnf's rules and
 * one deliberate difference: where dnf picks one provider of a requirement not yet met, the
 * closure takes every provider (the newest `newest` versions of each name and arch), so that
 * whatever dnf picks in the gap is in the mirror. Requires and Requires(pre) are followed;
 * with `weakDeps`, Recommends too, and Supplements in reverse (a candidate supplementing a
 * package in the set is taken), as dnf does with `install_weak_deps=True`. Rich dependencies
 * follow libsolv: an `if` branch is taken once its condition is met by the set (checked
 * again until nothing changes), an `unless` branch when its condition is still unmet at the
 * end, `or` takes every alternative. Of each name and arch, the newest providers that can
 * be installed are taken, as dnf picks (a provider whose own requirement nothing meets is passed
 * over for an older one that works; see installable()). Unmet requirements of the final set are
 * reported (the same check as `dnf repoclosure`): those of packages the roots need through
 * Requires as `unmet`, those of packages only weak dependencies brought as `weakUnmet` (dnf skips
 * such a weak dependency rather than fail).
 */
import { newestPerNameArch, type Dependency } from '../formats/format.ts';
import { dependencyText } from '../catalog/package-pages.ts';
import { isRich, type RichDep } from './rich-dependency.ts';
import type { ClosureIndex, ClosurePackage } from './closure-index.ts';

/** How providers are taken: versions per name and arch (default 1), weak dependencies on/off. */
export interface ClosureOptions { newest?: number; weakDeps?: boolean }

/** One requirement of a package in the closure that nothing among the candidates meets: as rpm prints it, and parsed. */
export interface UnmetRequirement { pkg: ClosurePackage; dep: string; need: Dependency }

/** The closure: its packages and what stays unmet, through Requires and only through weak dependencies. */
export interface Closure { packages: Set<ClosurePackage>; unmet: UnmetRequirement[]; weakUnmet: UnmetRequirement[] }

/**
 * Whether `p` can be installed from `ix`'s candidates: each of its plain requirements has a
 * provider that can itself be installed (libsolv's view, one provider per requirement; a package
 * met again on its way counts as installable, so cycles do not loop). Rich requirements are taken
 * as satisfiable. `memo` keeps the answers of one resolution.
 */
function installable(ix: ClosureIndex, p: ClosurePackage, memo: Map<ClosurePackage, boolean>): boolean {
  const known = memo.get(p);
  if (known !== undefined) return known;
  memo.set(p, true);
  const ok = p.requires.every((d) => isRich(d.name) || ix.providers(d).some((q) => installable(ix, q, memo)));
  memo.set(p, ok);
  return ok;
}

/**
 * The providers to take of `list`: of each name and arch the newest `newest` that can be
 * installed, or the newest `newest` when none can (their unmet requirement is then reported).
 */
export function pickProviders(ix: ClosureIndex, list: ClosurePackage[], newest: number,
  memo: Map<ClosurePackage, boolean>): ClosurePackage[] {
  const usable = list.filter((p) => installable(ix, p, memo));
  const picked = newestPerNameArch(usable, newest);
  const covered = new Set(picked.map((p) => `${p.name}.${p.arch}`));
  return [...picked, ...newestPerNameArch(list.filter((p) => !covered.has(`${p.name}.${p.arch}`)), newest)];
}

/** Provider groups a rich dependency still needs, given the set (`final`: also `unless` branches). */
function richNeeds(ix: ClosureIndex, r: RichDep, set: Set<ClosurePackage>, final: boolean): ClosurePackage[][] {
  if (ix.metRich(r, set) && r.op !== 'if' && r.op !== 'unless') return [];
  switch (r.op) {
    case 'leaf': return [ix.providers(r.dep)];
    case 'and': case 'or': return r.args.flatMap((a) => richNeeds(ix, a, set, final));
    case 'with': case 'without': return [ix.richProviders(r)];
    case 'if':
      if (ix.metRich(r.cond, set)) return richNeeds(ix, r.then, set, final);
      return r.else ? richNeeds(ix, r.else, set, final) : [];
    case 'unless':
      if (ix.metRich(r.cond, set)) return r.else ? richNeeds(ix, r.else, set, final) : [];
      return final ? richNeeds(ix, r.then, set, final) : [];
  }
}

/** Resolves the closure of `roots` over `ix`'s candidates. Never throws; a malformed rich dependency is unmet. */
export function resolveClosure(ix: ClosureIndex, roots: ClosurePackage[], o: ClosureOptions = {}): Closure {
  const newest = o.newest ?? 1;
  const memo = new Map<ClosurePackage, boolean>();
  const pick = (list: ClosurePackage[]) => pickProviders(ix, list, newest, memo);
  const set = new Set<ClosurePackage>();
  const queue: ClosurePackage[] = [];
  const add = (p: ClosurePackage) => { if (!set.has(p)) { set.add(p); queue.push(p); } };
  roots.forEach(add);
  const wanted = (p: ClosurePackage): Dependency[] => (o.weakDeps ? [...p.requires, ...p.recommends] : p.requires);
  const need = (dep: Dependency, final: boolean) => {
    if (!isRich(dep.name)) {
      if (!ix.met(dep, set)) pick(ix.providers(dep)).forEach(add);
      return;
    }
    const r = ix.parsed(dep.name);
    if (r instanceof Error) return;
    for (const group of richNeeds(ix, r, set, final)) pick(group).forEach(add);
  };
  const supplementing = o.weakDeps ? ix.packages.filter((p) => p.supplements.length) : [];
  for (let pass = 0; ; pass++) {
    while (queue.length) for (const dep of wanted(queue.pop()!)) need(dep, false);
    // Conditions may have become true: every rich dependency of the set is looked at again.
    for (const p of [...set]) for (const dep of wanted(p)) if (isRich(dep.name)) need(dep, pass > 0);
    for (const p of supplementing) if (!set.has(p) && p.supplements.some((d) => ix.met(d, set))) add(p);
    if (!queue.length && pass > 0) break;
  }
  const hard = requiredFrom(ix, roots, set);
  const unmet: UnmetRequirement[] = [], weakUnmet: UnmetRequirement[] = [];
  for (const p of set) {
    for (const dep of p.requires) {
      if (!ix.met(dep, set)) (hard.has(p) ? unmet : weakUnmet).push({ pkg: p, dep: dependencyText(dep), need: dep });
    }
  }
  const order = (a: UnmetRequirement, b: UnmetRequirement) => a.pkg.key.localeCompare(b.pkg.key) || a.dep.localeCompare(b.dep);
  return { packages: set, unmet: unmet.sort(order), weakUnmet: weakUnmet.sort(order) };
}

/** The packages of `set` that `roots` reach through Requires alone (rich ones by every operand's providers). */
function requiredFrom(ix: ClosureIndex, roots: ClosurePackage[], set: Set<ClosurePackage>): Set<ClosurePackage> {
  const hard = new Set(roots.filter((p) => set.has(p)));
  const queue = [...hard];
  while (queue.length) {
    for (const dep of queue.pop()!.requires) {
      const parsed = isRich(dep.name) ? ix.parsed(dep.name) : undefined;
      if (parsed instanceof Error) continue;
      for (const q of parsed ? ix.richProviders(parsed) : ix.providers(dep)) {
        if (set.has(q) && !hard.has(q)) { hard.add(q); queue.push(q); }
      }
    }
  }
  return hard;
}
