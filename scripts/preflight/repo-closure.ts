/**
 * Dependency closure checks over a set of repos, with the rules of `dnf repoclosure`:
 * every Requires of every (non-source) package must be provided by some package of the
 * set (provides or files); weak dependencies are not required.
 */
import { DependencyIndex } from '../catalog/dependency-index.ts';
import { dependencyText } from '../catalog/package-pages.ts';
import { nevra, type PackageRecord } from '../formats/format.ts';

/** One unresolved Requires: the package (NEVRA, repo) and the dependency as rpm prints it. */
export interface UnresolvedDep { repoId: string; nevra: string; dep: string }

/** Repos with their package records. */
export type RepoPackages = { repoId: string; packages: PackageRecord[] }[];

/** Unresolved Requires of the given packages (default: all non-source packages), sorted. */
export function unresolvedRequires(repos: RepoPackages, index = new DependencyIndex(repos), only?: Set<PackageRecord>): UnresolvedDep[] {
  const out: UnresolvedDep[] = [];
  for (const r of repos) for (const p of r.packages) {
    if (p.arch === 'src' || (only && !only.has(p))) continue;
    for (const d of p.deps.requires) if (!index.providers(d).length) out.push({ repoId: r.repoId, nevra: nevra(p), dep: dependencyText(d) });
  }
  return out.sort((a, b) => a.nevra.localeCompare(b.nevra) || a.dep.localeCompare(b.dep));
}
