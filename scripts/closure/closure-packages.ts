/**
 * Packages as the closure sees them (closure-index.ts `ClosurePackage`), from the two places
 * airgap-mirror reads them: upstream primary.xml entries (sync) and RPM headers (build,
 * preflight, and local files sync must judge before deleting).
 */
import { nevra as nevraOf, type PackageRecord, nevraOf as primaryNevra, type PrimaryEntry } from '../formats/format.ts';
import { requiredPaths, type ClosurePackage } from './closure-index.ts';
import type { RepoPackages } from '../preflight/repo-closure.ts';

/** A primary entry as the closure sees it. */
export function fromPrimary(repoId: string, e: PrimaryEntry): ClosurePackage {
  const d = e.deps ?? { provides: [], requires: [], recommends: [], supplements: [], files: [] };
  const nevra = primaryNevra(e);
  return { key: `${repoId}/${nevra}`, repoId, nevra, name: e.name, epoch: e.epoch, version: e.version,
    release: e.release, arch: e.arch, size: e.size, provides: d.provides, requires: d.requires,
    recommends: d.recommends, supplements: d.supplements, files: [...d.files] };
}

/** The mirror's non-source packages as the closure sees them (files: only paths some package requires). */
export function closurePackages(repos: RepoPackages): ClosurePackage[] {
  const records = new Map<ClosurePackage, PackageRecord>();
  for (const r of repos) for (const p of r.packages) {
    if (p.arch === 'src') continue;
    const n = nevraOf(p);
    records.set({ key: `${r.repoId}/${n}`, repoId: r.repoId, nevra: n, name: p.name, epoch: p.epoch || '0',
      version: p.version, release: p.release, arch: p.arch, size: p.sizePackage, provides: p.deps.provides,
      requires: p.deps.requires, recommends: p.deps.recommends, supplements: p.deps.supplements, files: [] }, p);
  }
  const wanted = requiredPaths([...records.keys()]);
  for (const [c, p] of records) c.files = p.files.map((f) => f.path).filter((f) => wanted.has(f));
  return [...records.keys()];
}

