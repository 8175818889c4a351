/**
 * Precompiled driver image tag rules, exact as the operators compute them:
 * - GPU Operator (NVIDIA yum-packaging-precompiled-kmod, seed 001):
 *   `${DRIVER_VERSION}-${KERNEL_VERSION}-${OS_TAG}`, OS_TAG = `rhcos<major>.<minor>` of the
 *   OpenShift version, and the aarch64 64k-page kernel suffix `+64k` written `_64k`
 *   (a tag cannot hold '+'), e.g. `550.54.14-5.14.0-284.54.1.el9_2.aarch64_64k-rhcos4.15`.
 * - Network Operator DOCA driver built by the DTK (seed 000): the mirrored image is tagged
 *   `<driver-version>-rhcos<ocp>-<arch>`, e.g. `25.07-0.9.7.0-rhcos4.18-arm64`, from NGC's
 *   `doca<doca>-<driver-version>-<build>-rhcos<ocp>-<arch>`.
 * - Network Operator precompiled DOCA driver (seed 002, state_ofed.go precompiledTagFormat):
 *   `<version>-<kernel>-<os><osver>-<arch>`.
 * Every function throws TagInputError naming the bad input.
 */
import { parseKernel, type KernelVersion } from '../cluster/kernel-version.ts';

/** Thrown for malformed tag inputs; the message names the field and the expected form. */
export class TagInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TagInputError';
  }
}

/** Thrown when the input is well-formed but no precompiled image is built for it (a `+rt` or `+debug` kernel). */
export class NoPrecompiledImageError extends TagInputError {
  constructor(message: string) {
    super(message);
    this.name = 'NoPrecompiledImageError';
  }
}

const ARCH_ALIAS: Record<string, string> = { aarch64: 'arm64', arm64: 'arm64', x86_64: 'amd64', amd64: 'amd64' };

/** Container-image arch name (`arm64`/`amd64`) of an rpm or image arch; throws for others. */
export function imageArch(arch: string): string {
  const a = ARCH_ALIAS[arch];
  if (!a) throw new TagInputError(`arch "${arch}": expected aarch64, arm64, x86_64 or amd64`);
  return a;
}

/** `rhcos<major>.<minor>` of an OpenShift version like `4.15.0` or `4.18`. */
export function rhcosOsTag(openshiftVersion: string): string {
  const m = /^(\d+)\.(\d+)(\.\d+)?$/.exec(openshiftVersion);
  if (!m) throw new TagInputError(`OpenShift version "${openshiftVersion}": expected <major>.<minor>[.<patch>], e.g. 4.15.0`);
  return `rhcos${m[1]}.${m[2]}`;
}

/** Kernel flavours NVIDIA publishes precompiled GPU driver images for (standard, and `+64k` on aarch64). */
const PRECOMPILED_FLAVOURS = new Set(['standard', '64k']);

/**
 * Parses a KERNEL_VERSION with arch (`5.14.0-284.54.1.el9_2.aarch64[+64k]`, kernel-version.ts) for
 * a precompiled GPU driver tag. Throws TagInputError for a string that is not a kernel version,
 * one without x86_64/aarch64; NoPrecompiledImageError for a flavour none is built for (`+rt`, `+debug`).
 */
export function parseKernelVersion(kernel: string): { version: string; arch: string; pages64k: boolean } {
  let k: KernelVersion;
  try {
    k = parseKernel(kernel);
  } catch (err) {
    throw new TagInputError((err as Error).message);
  }
  if (k.arch !== 'x86_64' && k.arch !== 'aarch64') {
    throw new TagInputError(`kernel version "${kernel}": expected <version>-<release>.<arch>[+64k] with arch x86_64 or aarch64`);
  }
  if (k.flavour === '64k' && k.arch !== 'aarch64') throw new TagInputError(`kernel version "${kernel}": 64k-page kernels exist only for aarch64`);
  if (!PRECOMPILED_FLAVOURS.has(k.flavour)) {
    throw new NoPrecompiledImageError(`kernel version "${kernel}": no precompiled GPU driver image is built for +${k.flavour} kernels; `
      + 'the driver is built on the node (NVIDIADriver usePrecompiled: false)');
  }
  return { version: k.versionRelease, arch: k.arch, pages64k: k.flavour === '64k' };
}

/** GPU Operator precompiled driver tag. */
export function gpuDriverTag(o: { driverVersion: string; kernelVersion: string; openshiftVersion: string }): string {
  if (!/^\d+\.\d+(\.\d+)?$/.test(o.driverVersion)) throw new TagInputError(`driver version "${o.driverVersion}": expected e.g. 550.54.14`);
  const k = parseKernelVersion(o.kernelVersion);
  return `${o.driverVersion}-${k.version}.${k.arch}${k.pages64k ? '_64k' : ''}-${rhcosOsTag(o.openshiftVersion)}`;
}

/** `25.07-0.9.7.0`, with an optional build (`-0`): the operator puts `ofedDriver.version` as it is into both tags. */
const DOCA_VERSION = /^\d+\.\d+-\d+\.\d+\.\d+\.\d+(-\d+)?$/;

/** Tag of a DOCA driver image mirrored for DTK builds: `<driver-version>-rhcos<ocp>-<arch>`. */
export function docaDriverTag(o: { driverVersion: string; openshiftVersion: string; arch: string }): string {
  if (!DOCA_VERSION.test(o.driverVersion)) throw new TagInputError(`DOCA driver version "${o.driverVersion}": expected e.g. 25.07-0.9.7.0`);
  return `${o.driverVersion}-${rhcosOsTag(o.openshiftVersion)}-${imageArch(o.arch)}`;
}

/** Mirror tag for an NGC DOCA driver tag: `doca3.1.0-25.07-0.9.7.0-0-rhcos4.18-arm64` → `25.07-0.9.7.0-rhcos4.18-arm64`. */
export function docaMirrorTag(upstreamTag: string): string {
  const m = /^doca\d+\.\d+\.\d+-(\d+\.\d+-\d+\.\d+\.\d+\.\d+)-\d+-(rhcos\d+\.\d+)-(amd64|arm64)$/.exec(upstreamTag);
  if (!m) throw new TagInputError(`upstream tag "${upstreamTag}": expected doca<doca-version>-<driver-version>-<build>-rhcos<ocp>-<arch>, e.g. doca3.1.0-25.07-0.9.7.0-0-rhcos4.18-arm64`);
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** Precompiled DOCA driver tag the Network Operator looks for: `<version>-<kernel>-<os><osver>-<arch>`. */
export function docaPrecompiledTag(o: { version: string; kernel: string; os: string; osVersion: string; arch: string }): string {
  if (!/^\d+\.\d+-\d+\.\d+\.\d+\.\d+(-\d+)?$/.test(o.version)) throw new TagInputError(`DOCA version "${o.version}": expected e.g. 25.07-0.9.7.0-0`);
  if (!/^\d+\.\d+\.\d+-[0-9A-Za-z._-]+$/.test(o.kernel)) throw new TagInputError(`kernel "${o.kernel}": expected e.g. 5.15.0-91-generic or 5.14.0-427.87.1.el9_4.aarch64`);
  if (!/^[a-z]+$/.test(o.os) || !/^\d+\.\d+$/.test(o.osVersion)) throw new TagInputError(`OS "${o.os}${o.osVersion}": expected e.g. ubuntu 22.04 or rhcos 4.18`);
  return `${o.version}-${o.kernel}-${o.os}${o.osVersion}-${imageArch(o.arch)}`;
}
