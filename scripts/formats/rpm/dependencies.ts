/**
 * Dependency extraction with createrepo_c's rules (src/parsehdr.c, `cr_package_from_header`):
 * rpmlib() requires dropped; requires on the package's own primary files dropped; requires
 * the package itself provides with the same name, flags and version dropped; exact duplicate requires dropped; only the
 * highest `libc.so.6(...)` require kept and written last; legacy weak deps mapped by the
 * STRONG bit (createrepo_c "LegacyWeakdeps").
 */
import { RpmHeader } from './header.ts';
import { Sense, Tag } from './tags.ts';
import type { Dependency, DependencyKind } from './package-record.ts';
import { isPrimaryFile } from './primary-files.ts';
import { parseEvr, rpmvercmp } from './evr.ts';

type TextReader = (tag: number) => string[];

const TRIPLES: Record<DependencyKind, [number, number, number]> = {
  provides: [Tag.PROVIDENAME, Tag.PROVIDEFLAGS, Tag.PROVIDEVERSION],
  requires: [Tag.REQUIRENAME, Tag.REQUIREFLAGS, Tag.REQUIREVERSION],
  conflicts: [Tag.CONFLICTNAME, Tag.CONFLICTFLAGS, Tag.CONFLICTVERSION],
  obsoletes: [Tag.OBSOLETENAME, Tag.OBSOLETEFLAGS, Tag.OBSOLETEVERSION],
  suggests: [Tag.SUGGESTNAME, Tag.SUGGESTFLAGS, Tag.SUGGESTVERSION],
  enhances: [Tag.ENHANCENAME, Tag.ENHANCEFLAGS, Tag.ENHANCEVERSION],
  recommends: [Tag.RECOMMENDNAME, Tag.RECOMMENDFLAGS, Tag.RECOMMENDVERSION],
  supplements: [Tag.SUPPLEMENTNAME, Tag.SUPPLEMENTFLAGS, Tag.SUPPLEMENTVERSION],
};

/** Comparison operator of the LESS/GREATER/EQUAL bits (createrepo_c `cr_flag_to_str`). */
export function flagsToString(flags: number): string | undefined {
  switch (flags & 0xe) {
    case Sense.LESS: return 'LT';
    case Sense.GREATER: return 'GT';
    case Sense.EQUAL: return 'EQ';
    case Sense.LESS | Sense.EQUAL: return 'LE';
    case Sense.GREATER | Sense.EQUAL: return 'GE';
    default: return undefined;
  }
}

interface RawDep { name: string; flags: number; version: string }

function rawTriples(h: RpmHeader, text: TextReader, [n, f, v]: [number, number, number]): RawDep[] {
  const names = text(n);
  const flags = h.numbers(f);
  const versions = text(v);
  return names.map((name, i) => ({ name, flags: flags[i] ?? 0, version: versions[i] ?? '' }));
}

function toDependency(raw: RawDep): Dependency {
  const flags = flagsToString(raw.flags);
  const dep: Dependency = { name: raw.name };
  if (flags) dep.flags = flags;
  if (raw.version) Object.assign(dep, parseEvr(raw.version));
  return dep;
}

/** Orders two `libc.so.6(GLIBC_x.y)` names by their version part (createrepo_c `cr_compare_dependency`); >0 when `a` is higher. */
function compareLibc(a: string, b: string): number {
  const part = (s: string) => {
    const m = /\(([^)]*)\)/.exec(s);
    if (!m) return undefined;
    const digits = /[0-9].*/.exec(m[1]!);
    return digits ? digits[0] : '';
  };
  const pa = part(a), pb = part(b);
  if (pa === undefined || pb === undefined) return pa === pb ? 0 : pa === undefined ? -1 : 1;
  if (!pa || !pb) return pa === pb ? 0 : pa ? 1 : -1;
  return rpmvercmp(pa, pb);
}

/**
 * All dependency kinds of a package. `filePaths` is the package's full file list (for the
 * own-primary-file rule). Returns lists in header order.
 */
export function readDependencies(h: RpmHeader, text: TextReader, filePaths: Set<string>): Record<DependencyKind, Dependency[]> {
  const raw = {} as Record<DependencyKind, RawDep[]>;
  for (const kind of Object.keys(TRIPLES) as DependencyKind[]) raw[kind] = rawTriples(h, text, TRIPLES[kind]);
  // Legacy weak deps (RPMTAG_OLDSUGGESTS/OLDENHANCES): STRONG bit means recommends/supplements.
  if (!h.has(Tag.SUGGESTNAME) && !h.has(Tag.RECOMMENDNAME)) {
    for (const d of rawTriples(h, text, [Tag.OLDSUGGESTSNAME, Tag.OLDSUGGESTSFLAGS, Tag.OLDSUGGESTSVERSION])) {
      (d.flags & Sense.STRONG ? raw.recommends : raw.suggests).push(d);
    }
  }
  if (!h.has(Tag.ENHANCENAME) && !h.has(Tag.SUPPLEMENTNAME)) {
    for (const d of rawTriples(h, text, [Tag.OLDENHANCESNAME, Tag.OLDENHANCESFLAGS, Tag.OLDENHANCESVERSION])) {
      (d.flags & Sense.STRONG ? raw.supplements : raw.enhances).push(d);
    }
  }

  const out = {} as Record<DependencyKind, Dependency[]>;
  for (const kind of Object.keys(raw) as DependencyKind[]) out[kind] = kind === 'requires' ? [] : raw[kind].map(toDependency);

  // createrepo_c keys its provided table by name + flags + version string ("depnfv"), so a
  // require is dropped only when the package provides exactly it: `foo >= 1` stays beside `foo = 2`
  const nfv = (d: RawDep) => `${d.name}\0${flagsToString(d.flags) ?? ''}\0${d.version}`;
  const provided = new Set(raw.provides.map(nfv));
  const seen = new Map<string, Dependency>();
  let libc: Dependency | undefined;
  for (const r of raw.requires) {
    if (r.name.startsWith('rpmlib(')) continue;
    if (filePaths.has(r.name) && isPrimaryFile(r.name)) continue;
    if (provided.has(nfv(r))) continue;
    const dep = toDependency(r);
    if (r.flags & (Sense.PREREQ | Sense.SCRIPT_PRE | Sense.SCRIPT_POST)) dep.pre = true;
    const prev = seen.get(r.name);
    if (prev && prev.flags === dep.flags && sameVersion(prev, dep) && !!prev.pre === !!dep.pre) continue;
    if (r.name.startsWith('libc.so.6')) {
      if (!libc || compareLibc(libc.name, dep.name) < 0) libc = dep;
      continue;
    }
    out.requires.push(dep);
    seen.set(r.name, dep);
  }
  if (libc) out.requires.push(libc);
  return out;
}

function sameVersion(a: Dependency, b: Dependency): boolean {
  return a.epoch === b.epoch && a.version === b.version && a.release === b.release;
}
