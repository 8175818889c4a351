/**
 * Driver Toolkit (DTK) build preflight for one KERNEL_VERSION: are the kernel packages of
 * exactly that version (kernel-headers, kernel-devel, kernel-core) and the build tools the
 * MOFED/DOCA runbook lists (seed 000) in the mirror, and is their dependency closure over
 * the configured repos complete? Closure rules are those of `dnf repoclosure`.
 */
import { compareEvr } from '../rpm/evr.ts';
import { nevra, type PackageRecord } from '../rpm/package-record.ts';
import { DependencyIndex } from '../catalog/dependency-index.ts';
import { unresolvedRequires, type RepoPackages, type UnresolvedDep } from './repo-closure.ts';

/** Kernel packages that must match KERNEL_VERSION exactly. */
export const KERNEL_PACKAGES = ['kernel-headers', 'kernel-devel', 'kernel-core'];
/** Build tools the DTK driver build installs (seed 000's list, typos fixed). */
export const BUILD_TOOLS = ['createrepo_c', 'elfutils-libelf-devel', 'kernel-rpm-macros', 'numactl-libs', 'lsof', 'rpm-build', 'patch', 'hostname'];

/** One required package: where it was found, or not. */
export interface RequiredPackage { name: string; exactVersion: boolean; found?: { nevra: string; repoId: string } }

/** Preflight verdict for one kernel. */
export interface PreflightResult {
  /** KERNEL_VERSION as given, and its version-release (no arch). */
  kernelVersion: string;
  versionRelease: string;
  required: RequiredPackage[];
  /** NEVRAs of the dependency closure of the required packages. */
  closure: string[];
  unresolved: UnresolvedDep[];
  ok: boolean;
}

/** Version-release of `5.14.0-427.87.1.el9_4[.aarch64][+64k]`, and its arch when given. */
export function kernelVersionRelease(kernel: string): { versionRelease: string; arch?: string } {
  const m = /^(.*?)(?:\.(x86_64|aarch64|ppc64le|s390x))?(?:[+_]64k)?$/.exec(kernel.trim())!;
  return { versionRelease: m[1]!, ...(m[2] ? { arch: m[2] } : {}) };
}

/** Kernel versions (`<version>-<release>.<arch>`) of every kernel-core in the repos, sorted. */
export function kernelVersionsIn(repos: RepoPackages): string[] {
  const set = new Set<string>();
  for (const r of repos) for (const p of r.packages) if (p.name === 'kernel-core' && p.arch !== 'src') set.add(`${p.version}-${p.release}.${p.arch}`);
  return [...set].sort();
}

/** Runs the preflight for `kernelVersion` over `repos`. */
export function dtkPreflight(repos: RepoPackages, kernelVersion: string, index = new DependencyIndex(repos)): PreflightResult {
  const { versionRelease, arch } = kernelVersionRelease(kernelVersion);
  const all = repos.flatMap((r) => r.packages.filter((p) => p.arch !== 'src').map((p) => ({ repoId: r.repoId, p })));
  const best = (name: string, exact: boolean) => all
    .filter(({ p }) => p.name === name && (!exact || (`${p.version}-${p.release}` === versionRelease && (!arch || p.arch === arch))))
    .sort((a, b) => compareEvr(b.p, a.p))[0];
  const required: RequiredPackage[] = [];
  const start: PackageRecord[] = [];
  for (const [names, exact] of [[KERNEL_PACKAGES, true], [BUILD_TOOLS, false]] as const) {
    for (const name of names) {
      const hit = best(name, exact);
      required.push({ name, exactVersion: exact, ...(hit ? { found: { nevra: nevra(hit.p), repoId: hit.repoId } } : {}) });
      if (hit) start.push(hit.p);
    }
  }
  // Closure: follow each Requires to its best provider (highest EVR), like an install would.
  const byNevra = new Map(all.map(({ p }) => [nevra(p), p]));
  const closure = new Set<PackageRecord>();
  const queue = [...start];
  while (queue.length) {
    const p = queue.shift()!;
    if (closure.has(p)) continue;
    closure.add(p);
    for (const d of p.deps.requires) {
      const providers = index.providers(d).map((ref) => byNevra.get(ref.nevra)).filter((x): x is PackageRecord => !!x);
      if (providers.some((x) => closure.has(x))) continue;
      const pick = providers.sort((a, b) => compareEvr(b, a))[0];
      if (pick) queue.push(pick);
    }
  }
  const unresolved = unresolvedRequires(repos, index, closure);
  return {
    kernelVersion, versionRelease, required,
    closure: [...closure].map(nevra).sort(),
    unresolved,
    ok: required.every((r) => r.found) && unresolved.length === 0,
  };
}
