/**
 * Consumer profiles: the packages each driver build installs for a node's kernel, as named
 * package sets per kernel flavour (standard, `64k` on aarch64 64k-page nodes, `rt`), each
 * entry with the source it comes from. Kernel entries are pinned to the pool's kernel
 * (version-release and arch exactly); the others take the newest version in the mirror.
 * `weakDeps` says whether the build's dnf installs weak dependencies.
 */
import { KernelVersionError, parseKernel } from '../cluster/kernel-version.ts';

/**
 * A kernel flavour the profiles list packages for: the package name prefix is `kernel`,
 * `kernel-64k` or `kernel-rt`. Any other flavour `F` (`+debug`, `+64k-debug`) takes the RT
 * list with `kernel-rt` read as `kernel-F` (kernel.spec names every variant's packages so).
 */
export type KernelFlavour = 'standard' | '64k' | 'rt';

/** One profile: pinned kernel package names per flavour, unpinned tools, weak deps, and where it comes from. */
export interface Profile {
  description: string;
  kernel: Record<KernelFlavour, string[]>;
  tools: string[];
  weakDeps: boolean;
  source: string;
}

const DTK_STANDARD = ['kernel-devel', 'kernel-devel-matched', 'kernel-headers', 'kernel-modules', 'kernel-modules-extra'];

/** The profiles by name. */
export const PROFILES: Record<string, Profile> = {
  dtk: {
    description: 'Driver Toolkit image: kernel packages and build tools for driver containers',
    source: 'openshift/driver-toolkit Dockerfile (RHEL 9; Dockerfile.rhel10 adds the kernel-64k-* set on aarch64)',
    kernel: {
      standard: DTK_STANDARD,
      // Dockerfile: `dnf install kernel-64k-devel kernel-64k-modules kernel-64k-modules-extra` besides the standard set.
      '64k': [...DTK_STANDARD, 'kernel-64k-devel', 'kernel-64k-modules', 'kernel-64k-modules-extra'],
      // Dockerfile (x86_64): kernel-rt-core, kernel-rt-devel, kernel-rt-modules, kernel-rt-modules-extra of RT_KERNEL_VERSION.
      rt: ['kernel-rt-core', 'kernel-rt-devel', 'kernel-rt-modules', 'kernel-rt-modules-extra'],
    },
    // Dockerfile: kernel-rpm-macros; "mandatory for driver-containers"; gcc/gcc-c++ (the kernel's version when
    // found, else the default); "needed for a subset (e.g DPDK)"; "needed to build driver-containers".
    tools: ['kernel-rpm-macros', 'autoconf', 'automake', 'binutils', 'elfutils-libelf-devel', 'glibc', 'kabi-dw', 'kmod',
      'libtool', 'gcc', 'gcc-c++', 'xz', 'diffutils', 'flex', 'bison', 'git', 'make', 'rpm-build'],
    // Dockerfile: `install_weak_deps=False` written to dnf.conf before any install.
    weakDeps: false,
  },
  'nvidia-gpu-driver': {
    description: 'NVIDIA GPU driver container (RHEL 9), building the kernel modules on the node',
    source: 'NVIDIA/gpu-driver-container rhel9/nvidia-driver `_install_prerequisites`',
    kernel: {
      // `dnf install kernel-headers-$KERNEL_VERSION kernel-devel-$KERNEL_VERSION`, then `kernel-$KERNEL_VERSION`.
      standard: ['kernel-headers', 'kernel-devel', 'kernel'],
      '64k': ['kernel-headers', 'kernel-64k-devel', 'kernel-64k'],
      rt: ['kernel-rt-devel', 'kernel-rt'],
    },
    // `dnf install elfutils-libelf.$ARCH`, `elfutils-libelf-devel.$ARCH`; `gcc-<version the kernel was built with>`.
    tools: ['elfutils-libelf', 'elfutils-libelf-devel', 'gcc'],
    // Plain `dnf install` on UBI 9: dnf's default install_weak_deps=True.
    weakDeps: true,
  },
  'doca-driver': {
    description: 'NVIDIA DOCA/MOFED driver build (Network Operator), the seed runbook\'s package list',
    source: 'Mellanox/doca-driver-build entrypoint/internal/driver/driver.go `installKernelPackages`, '
      + '`installRedHatDependencies`',
    kernel: {
      // Standard kernels: kernel, kernel-headers, kernel-core, then kernel-devel and kernel-modules of the kernel.
      standard: ['kernel', 'kernel-headers', 'kernel-core', 'kernel-devel', 'kernel-modules'],
      // RT and 64k kernels: only `kernel-<rt-|64k->devel` and `kernel-<rt-|64k->modules`.
      '64k': ['kernel-64k-devel', 'kernel-64k-modules'],
      rt: ['kernel-rt-devel', 'kernel-rt-modules'],
    },
    tools: ['elfutils-libelf-devel', 'kernel-rpm-macros', 'numactl-libs', 'lsof', 'rpm-build', 'patch', 'hostname'],
    // `dnf -q -y install ...` without --setopt: dnf's default install_weak_deps=True.
    weakDeps: true,
  },
};

/** Profile names, sorted. */
export const PROFILE_NAMES = Object.keys(PROFILES).sort();

/** A node's kernel as the packages name it: version-release, arch, flavour. */
export interface KernelTarget { kernel: string; versionRelease: string; arch: string; flavour: string }

/**
 * Reads a `status.nodeInfo.kernelVersion` (`uname -r`) with kernel-version.ts:
 * `5.14.0-284.54.1.el9_2.aarch64+64k` is the 64k flavour of 5.14.0-284.54.1.el9_2 on aarch64
 * (packages `kernel-64k-*`); `…el9_3.x86_64+rt` and `4.18.0-513.11.1.rt7.313.el8_9.x86_64` are RT
 * kernels, as the DOCA driver build reads them (`analyzeKernelType`). `arch` is used when the
 * string carries none. Throws KernelVersionError for a string that is not `<version>-<release>`.
 */
export function kernelTarget(kernel: string, arch?: string): KernelTarget {
  const k = parseKernel(kernel);
  const a = k.arch ?? arch;
  if (!a) throw new KernelVersionError(kernel, 'no arch: expected <version>-<release>.<arch>, e.g. 5.14.0-427.87.1.el9_4.x86_64');
  return { kernel: k.kernel, versionRelease: k.versionRelease, arch: a, flavour: k.flavour };
}

/** A profile's pinned kernel packages for `flavour` (see KernelFlavour for flavours it does not list). */
function flavourPackages(p: Profile, flavour: string): string[] {
  const listed = (p.kernel as Record<string, string[]>)[flavour];
  return listed ?? p.kernel.rt.map((n) => n.replace(/^kernel-rt/, `kernel-${flavour}`));
}

/** One root package wanted by a profile for a kernel: a name, pinned to the kernel or not. */
export interface WantedPackage { name: string; pinned: boolean; profile: string }

/** The packages `profiles` want for `target`, in profile order, without repeats. Throws for an unknown profile. */
export function wantedPackages(profiles: string[], target: KernelTarget): WantedPackage[] {
  const out = new Map<string, WantedPackage>();
  for (const name of profiles) {
    const p = PROFILES[name];
    if (!p) throw new Error(`unknown profile ${name} (profiles: ${PROFILE_NAMES.join(', ')})`);
    for (const n of flavourPackages(p, target.flavour)) if (!out.has(n)) out.set(n, { name: n, pinned: true, profile: name });
    for (const n of p.tools) if (!out.has(n)) out.set(n, { name: n, pinned: false, profile: name });
  }
  return [...out.values()];
}

/** Whether any of `profiles` installs weak dependencies. */
export const profilesWantWeakDeps = (profiles: string[]) => profiles.some((n) => PROFILES[n]?.weakDeps);
