/**
 * Consumer profiles for Ubuntu node pools: the packages each driver build installs with apt for
 * the node's kernel (`uname -r`, e.g. `5.15.0-91-generic`), with the source each comes from.
 * Kernel packages are named after the whole kernel string, so pinning is by name: Ubuntu's
 * `linux-headers-5.15.0-91-generic` depends on its common `linux-headers-5.15.0-91` (named after
 * the source package: `linux-hwe-6.5-headers-6.5.0-41` for the HWE 6.5 kernel), which the closure
 * then takes. The profile names are those of the RPM profiles (profiles.ts); `dtk` is RHCOS only.
 */

/** One root of a profile: a package name (`$KV` is the kernel), and whether the build goes on without it. */
export interface AptRoot { name: string; optional: boolean }

/** One Ubuntu profile: roots, whether it installs `gcc-<major>` of the kernel, Recommends, source. */
export interface AptProfile { description: string; roots: AptRoot[]; gcc: boolean; weakDeps: boolean; source: string }

const need = (name: string): AptRoot => ({ name, optional: false });
const mayHave = (name: string): AptRoot => ({ name, optional: true });

/** The Ubuntu profiles by name. */
export const APT_PROFILES: Record<string, AptProfile> = {
  'doca-driver': {
    description: 'NVIDIA DOCA/MOFED driver build on Ubuntu (Network Operator)',
    source: 'Mellanox/doca-driver-build entrypoint/internal/driver/driver.go `installUbuntuPrerequisites` '
      + '(`apt-get -yq install pkg-config linux-headers-<kernel>`), `installGCCUbuntu` (`gcc-<major>`), '
      + '`installUbuntuDriver` (`linux-modules-extra-<kernel>` when apt-cache shows it)',
    roots: [need('pkg-config'), need('linux-headers-$KV'), mayHave('linux-modules-extra-$KV')],
    gcc: true,
    // plain `apt-get install`, no --no-install-recommends: apt's default installs Recommends
    weakDeps: true,
  },
  'nvidia-gpu-driver': {
    description: 'NVIDIA GPU driver container on Ubuntu, building the kernel modules on the node',
    source: 'NVIDIA/gpu-driver-container ubuntu22.04/nvidia-driver `_install_prerequisites`: '
      + '`apt-get install -y --no-install-recommends linux-headers-$KV`, `apt-get download linux-image-$KV` '
      + '(required), `apt-get download linux-modules-$KV || true`',
    roots: [need('linux-headers-$KV'), need('linux-image-$KV'), mayHave('linux-modules-$KV')],
    gcc: false,
    weakDeps: false,
  },
  dtk: { description: 'Driver Toolkit (RHCOS only)', source: 'openshift/driver-toolkit', roots: [], gcc: false,
    weakDeps: false },
};

/** An Ubuntu kernel string: `<version>-<abi>-<flavour>` (`5.15.0-91-generic`, `6.5.0-1004-nvidia-64k`). */
export const UBUNTU_KERNEL = /^(\d+)\.(\d+)\.\d+-\d+-[a-z][a-z0-9-]*$/;

/** The node pools' (rpm) name of an architecture given by dpkg's name or rpm's: `arm64` or `aarch64` → `aarch64`. */
const POOL_ARCH: Record<string, string> = {
  amd64: 'x86_64', x86_64: 'x86_64', arm64: 'aarch64', aarch64: 'aarch64', ppc64el: 'ppc64le', ppc64le: 'ppc64le',
};

/**
 * A `closure.kernels` entry read as an Ubuntu kernel: `5.15.0-91-generic` (an amd64 pool: `uname -r`
 * names no architecture on Ubuntu) or `5.15.0-1032-nvidia-64k:arm64` (the architecture after a
 * colon, as dpkg qualifies a package: amd64, arm64, ppc64el or their rpm names). Returns the kernel
 * and the pool's architecture (rpm's name, as node pools carry it), or undefined for an entry that
 * is not an Ubuntu kernel. Throws an Error naming an architecture it does not know.
 */
export function ubuntuKernelEntry(entry: string): { kernel: string; arch: string } | undefined {
  const [kernel = '', qualifier, ...rest] = entry.split(':');
  if (!UBUNTU_KERNEL.test(kernel) || rest.length) return undefined;
  const arch = POOL_ARCH[qualifier ?? 'amd64'];
  if (!arch) throw new Error(`${entry}: architecture ${qualifier} not known (amd64, arm64, ppc64el)`);
  return { kernel, arch };
}

/**
 * The gcc major version an Ubuntu kernel was built with, which the DOCA build installs as
 * `gcc-<major>` (it reads it from /proc/version): the release's compiler for its GA kernel, gcc 12
 * for jammy's HWE kernels from 5.19 (NVIDIA/gpu-driver-container ubuntu22.04/Dockerfile: "5.19/6.5
 * HWE kernels need gcc 12"); undefined when this table does not know the kernel.
 */
export function ubuntuGccMajor(kernel: string, osVersion: string | undefined): number | undefined {
  const m = UBUNTU_KERNEL.exec(kernel);
  if (!m) return undefined;
  const kv = Number(m[1]) * 1000 + Number(m[2]);
  if (osVersion === '20.04') return 9; // focal: GA 5.4 and its HWE kernels, built with focal's gcc 9
  if (osVersion === '22.04') return kv >= 5019 ? 12 : 11;
  if (osVersion === '24.04') return 13;
  return undefined;
}

/** One root a pool wants: the package name, the profile, and whether it is optional or pinned to the kernel. */
export interface AptWanted { name: string; profile: string; optional: boolean; pinned: boolean }

/**
 * The roots `profiles` want for an Ubuntu kernel on `osVersion` (`22.04`), in profile order,
 * without repeats. `gccUnknown` is set when a profile needs gcc of a kernel the table does not know.
 * Throws for an unknown profile name.
 */
export function aptWantedPackages(profiles: string[], kernel: string, osVersion?: string):
  { wanted: AptWanted[]; gccUnknown: boolean } {
  const out = new Map<string, AptWanted>();
  let gccUnknown = false;
  for (const name of profiles) {
    const p = APT_PROFILES[name];
    if (!p) throw new Error(`unknown profile ${name} (profiles: ${Object.keys(APT_PROFILES).sort().join(', ')})`);
    for (const r of p.roots) {
      const pkg = r.name.replace('$KV', kernel);
      if (!out.has(pkg)) {
        out.set(pkg, { name: pkg, profile: name, optional: r.optional, pinned: r.name.includes('$KV') });
      }
    }
    if (p.gcc) {
      const major = ubuntuGccMajor(kernel, osVersion);
      if (major === undefined) gccUnknown = true;
      else if (!out.has(`gcc-${major}`)) {
        out.set(`gcc-${major}`, { name: `gcc-${major}`, profile: name, optional: false, pinned: false });
      }
    }
  }
  return { wanted: [...out.values()], gccUnknown };
}

/** Whether any of `profiles` follows Recommends on Ubuntu. */
export const aptProfilesWantWeakDeps = (profiles: string[]) => profiles.some((n) => APT_PROFILES[n]?.weakDeps);
