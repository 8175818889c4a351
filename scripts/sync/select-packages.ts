/**
 * What to take from a repo: every package, or a subset by architecture, source RPMs on or
 * off, include/exclude globs (picomatch, over the name and over `name-version-release.arch`)
 * and the newest N versions per name and arch (EVR order as rpm's rpmvercmp; N=1 is what
 * `dnf reposync --newest-only` keeps).
 */
import picomatch from 'picomatch';
import { newestPerNameArch, type PrimaryEntry } from '../formats/format.ts';
import type { SyncRepo } from '../config/config-schema.ts';

/** The selection keys of a sync repo. */
export type Selection = Pick<SyncRepo, 'newest' | 'include' | 'exclude' | 'arch' | 'source'>;

/** Selected packages, and for a subset the reasons (e.g. "newest 1 per name and arch: 2 older left out"). */
export interface Selected { packages: PrimaryEntry[]; reasons: string[] }

const nvra = (p: PrimaryEntry) => `${p.name}-${p.version}-${p.release}.${p.arch}`;

/** Applies `s` to `all`, keeping upstream order. */
export function selectPackages(all: PrimaryEntry[], s: Selection): Selected {
  const reasons: string[] = [];
  let kept = all;
  const step = (label: string, keep: (p: PrimaryEntry) => boolean) => {
    const next = kept.filter(keep);
    if (next.length < kept.length) reasons.push(`${label}: ${kept.length - next.length} left out`);
    kept = next;
  };
  if (s.source === false) step('source RPMs off', (p) => p.arch !== 'src');
  if (s.arch?.length) step(`arch ${s.arch.join(', ')}`, (p) => s.arch!.includes(p.arch));
  if (s.include?.length) {
    const m = picomatch(s.include);
    step(`include ${s.include.join(', ')}`, (p) => m(p.name) || m(nvra(p)));
  }
  if (s.exclude?.length) {
    const m = picomatch(s.exclude);
    step(`exclude ${s.exclude.join(', ')}`, (p) => !m(p.name) && !m(nvra(p)));
  }
  if (s.newest) {
    const newest = new Set(newestPerNameArch(kept, s.newest));
    step(`newest ${s.newest} per name and arch`, (p) => newest.has(p));
  }
  return { packages: kept, reasons };
}
