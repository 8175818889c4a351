/**
 * Driver-build preflight for one KERNEL_VERSION (or node pool): are the packages the chosen
 * consumer profiles install for that kernel in the mirror (kernel packages of exactly that
 * version-release and arch, tools at their newest), and is their dependency closure over
 * the mirror's repos complete? The same profiles and closure as `sync` (closure/), read from
 * the mirror's RPM headers instead of upstream primary.xml, so both agree for the same pools.
 * Default profile: `doca-driver` (the MOFED/DOCA runbook's build).
 */
import { closurePackages } from '../closure/closure-packages.ts';
import { poolClosure, type ClosureRequest } from '../closure/pool-closure.ts';
import { kernelTarget } from '../closure/profiles.ts';
import type { RepoPackages, UnresolvedDep } from './repo-closure.ts';

export { closurePackages };

/** The request used when none is configured: the DOCA driver build. */
export const DEFAULT_PREFLIGHT: ClosureRequest = { profiles: ['doca-driver'], packages: [] };

/** One required package: a name (pinned to the kernel or not), where it was found, or not. */
export interface RequiredPackage { name: string; exactVersion: boolean; found?: { nevra: string; repoId: string } }

/** Preflight verdict for one kernel; `bytes` is the closure's package size total. */
export interface PreflightResult {
  /** KERNEL_VERSION as given, and its version-release (no arch). */
  kernelVersion: string;
  versionRelease: string;
  profiles: string[];
  required: RequiredPackage[];
  /** NEVRAs of the dependency closure of the required packages. */
  closure: string[];
  bytes: number;
  unresolved: UnresolvedDep[];
  ok: boolean;
}

/**
 * Kernels of the mirror as `uname -r` prints them, from each kernel-core (`V-R.arch`) and each
 * flavour's core package (`kernel-64k-core` → `V-R.arch+64k`, `kernel-debug-core` → `+debug`;
 * `kernel-rt-core` → `V-R.arch+rt`, or `V-R.arch` when the release already names rt, as RHEL 8
 * does), sorted.
 */
export function kernelVersionsIn(repos: RepoPackages): string[] {
  const set = new Set<string>();
  for (const r of repos) for (const p of r.packages) {
    const m = /^kernel(?:-(.+))?-core$/.exec(p.name);
    if (p.arch === 'src' || !m) continue;
    const k = `${p.version}-${p.release}.${p.arch}`;
    set.add(!m[1] || (m[1] === 'rt' && /\.rt\d/.test(p.release)) ? k : `${k}+${m[1]}`);
  }
  return [...set].sort();
}

/**
 * Runs the preflight for `kernelVersion` over `repos` (or over `packages`, already converted
 * once for many kernels). `arch` is used when the kernel string names none (default aarch64,
 * the sample's). Throws an Error for an unknown profile or a kernel string it cannot read.
 */
export function dtkPreflight(repos: RepoPackages, kernelVersion: string, request: ClosureRequest = DEFAULT_PREFLIGHT,
  packages = closurePackages(repos), arch = 'aarch64'): PreflightResult {
  const t = kernelTarget(kernelVersion, arch);
  const r = poolClosure(packages, { id: kernelVersion, kernel: kernelVersion, arch: t.arch }, request);
  const required = r.wanted.map((w) => {
    const hit = w.found[0];
    return { name: w.name ?? w.want, exactVersion: !!w.pinned,
      ...(hit ? { found: { nevra: hit.nevra, repoId: hit.repoId } } : {}) };
  });
  const unresolved = r.unmet.map((u) => ({ repoId: u.pkg.repoId, nevra: u.pkg.nevra, dep: u.dep }))
    .sort((a, b) => a.nevra.localeCompare(b.nevra) || a.dep.localeCompare(b.dep));
  return {
    kernelVersion, versionRelease: t.versionRelease, profiles: request.profiles, required,
    closure: r.packages.map((p) => p.nevra).sort(), bytes: r.bytes, unresolved,
    ok: r.missing.length === 0 && unresolved.length === 0,
  };
}
