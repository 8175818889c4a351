/**
 * Whether an Ubuntu node pool's driver builds can get what they install from this mirror's apt
 * repos, for the pool's kernel K (`uname -r`, e.g. `5.15.0-91-generic`), from the builds' sources:
 * - the DOCA driver build (Mellanox doca-driver-build): `apt-get install pkg-config linux-headers-K`,
 *   then `gcc-<major>` of the compiler K was built with (required when the pool's Ubuntu version says which,
 *   closure/apt-profiles.ts; every gcc-N here is listed);
 * - the GPU driver container (NVIDIA gpu-driver-container ubuntu22.04): `linux-headers-K` (with the
 *   common headers package it depends on, `linux-headers-<ver>-<abi>` or `<source>-headers-…`),
 *   `apt-get download linux-image-K` (required) and `linux-modules-K` (optional).
 * Besides the names, the closure of both builds' roots under apt's rules (closure/apt-closure.ts)
 * must meet every relation from this mirror alone: a Depends nothing here meets is named.
 */
import { dpkgArch, entryOfControl, parseRelations } from '../formats/format.ts';
import { aptPoolClosure } from '../closure/apt-closure.ts';
import { ubuntuGccMajor } from '../closure/apt-profiles.ts';

/** One required package: its name, the version found (absent: not in the mirror), whether the build can do without it. */
export interface AptRequirement { name: string; found?: string; optional?: boolean }

/**
 * An Ubuntu pool's readiness: pool id, kernel, what is required and what was found, gcc-N present,
 * relations of the builds' closure that nothing in the mirror meets (`pkg_version_arch depends on …`), ok.
 */
export interface AptPoolReadiness {
  pool: string; kernel: string; required: AptRequirement[]; gcc: string[]; unmet: string[]; ok: boolean;
}

/** What is known of an apt package of the mirror: its control fields. */
export type AptControl = Record<string, string>;

/**
 * The readiness of pool `pool` (kernel `kernel`; rpm arch `arch`, default x86_64; Ubuntu `osVersion`)
 * against `packages` (every apt repo's control paragraphs).
 */
export function aptPoolReadiness(pool: string, kernel: string, packages: AptControl[],
  o: { arch?: string; osVersion?: string } = {}): AptPoolReadiness {
  const byName = new Map<string, AptControl>();
  for (const p of packages) if (p.Package) byName.set(p.Package, p);
  const headers = byName.get(`linux-headers-${kernel}`);
  // the common headers package the flavour's headers depend on (named after the kernel's source)
  const common = parseRelations(headers?.Depends).flat().map((a) => a.name).filter((n) => /-headers-/.test(n));
  // the DOCA build's gcc-<major>, when the kernel's compiler is known (apt-profiles.ts)
  const major = ubuntuGccMajor(kernel, o.osVersion);
  const names: [string, boolean][] = [['pkg-config', false], [`linux-headers-${kernel}`, false],
    ...common.map((n): [string, boolean] => [n, false]), [`linux-image-${kernel}`, false],
    [`linux-modules-${kernel}`, true],
    ...(major ? [[`gcc-${major}`, false] as [string, boolean]] : [])];
  const required = names.map(([name, optional]) => {
    const found = byName.get(name)?.Version;
    return { name, ...(found ? { found } : {}), ...(optional ? { optional } : {}) };
  });
  const gcc = [...byName.keys()].filter((n) => /^gcc-\d+$/.test(n)).sort();
  const entries = packages.filter((p) => p.Package && p.Version).map((p) => entryOfControl(p, '', 0, ''));
  const closure = aptPoolClosure(entries, { id: pool, kernel, arch: dpkgArch(o.arch ?? 'x86_64'),
    ...(o.osVersion ? { osVersion: o.osVersion } : {}) },
  { profiles: ['doca-driver', 'nvidia-gpu-driver'], packages: [], repoOf: () => '' });
  const unmet = closure.unmet.map((u) => `${u.pkg.package}_${u.pkg.version}_${u.pkg.architecture} depends on ${u.dep}`);
  return { pool, kernel, required, gcc, unmet, ok: required.every((r) => r.found || r.optional) && !unmet.length };
}
