/**
 * The one reader of kernel version strings (`uname -r`, `status.nodeInfo.kernelVersion`, the
 * kernels found in a mirror, `sync.closure.kernels`), for every stage: closure profiles, the
 * preflight, node pools and driver image tags.
 *
 * RHEL/RHCOS write `<version>-<release>.<arch>` and a flavour after a `+` (kernel.spec's
 * `KVERREL` plus `+${Variant}`): `5.14.0-284.54.1.el9_2.aarch64+64k`, `…el9_3.x86_64+rt`,
 * `…el9.x86_64+debug`, and any other variant (`+64k-debug`, `+rt-debug`, `+zfcpdump`);
 * RHEL 8 RT kernels carry `.rt` in the release instead (`4.18.0-513.11.1.rt7.313.el8_9.x86_64`).
 * Image tags cannot hold `+`, so `_<flavour>` after the arch is read the same way
 * (`…aarch64_64k`). Ubuntu kernels (`5.15.0-91-generic`) have no arch: their flavour is part
 * of the version-release.
 */

/** The architectures a kernel string may name (rpm arch names). */
export const KERNEL_ARCHES = ['x86_64', 'aarch64', 'ppc64le', 's390x'] as const;

/** Thrown for a string that is not `<version>-<release>[.<arch>][+<flavour>]`; the message names it. */
export class KernelVersionError extends Error {
  constructor(kernel: string,
    why = 'expected <version>-<release>.<arch>[+<flavour>], e.g. 5.14.0-427.87.1.el9_4.aarch64') {
    super(`kernel version ${JSON.stringify(kernel)}: ${why}`);
    this.name = 'KernelVersionError';
  }
}

/** A kernel as packages and images name it. */
export interface KernelVersion {
  /** The string as given, trimmed. */
  kernel: string;
  /** `5.14.0-284.54.1.el9_2`: the version-release of the kernel packages. */
  versionRelease: string;
  /** rpm arch, when the string names one. */
  arch?: string;
  /** `standard`, or the variant: `64k`, `rt`, `debug`, `64k-debug`, … (packages `kernel-<flavour>-*`). */
  flavour: string;
}

const ARCH = KERNEL_ARCHES.join('|');
const BASE = new RegExp(`^(\\d[^-\\s]*-[^\\s+]*?)(?:\\.(${ARCH}))?$`);
const TAG_FLAVOUR = new RegExp(`^(.*\\.(?:${ARCH}))_([a-z0-9][a-z0-9-]*)$`);

/** Parses `kernel`; throws KernelVersionError when it is not a kernel version string. */
export function parseKernel(kernel: string): KernelVersion {
  const text = kernel.trim();
  const plus = text.indexOf('+');
  let base = plus < 0 ? text : text.slice(0, plus), flavour = plus < 0 ? '' : text.slice(plus + 1);
  const tagged = plus < 0 ? TAG_FLAVOUR.exec(text) : null;
  if (tagged) [base, flavour] = [tagged[1]!, tagged[2]!];
  if (plus >= 0 && !/^[a-z0-9][a-z0-9-]*$/.test(flavour)) {
    throw new KernelVersionError(kernel, 'the flavour after "+" must be a word like 64k or rt');
  }
  const m = BASE.exec(base);
  if (!m) throw new KernelVersionError(kernel);
  const rt = !flavour && /\.rt\d/.test(m[1]!);
  return { kernel: text, versionRelease: m[1]!, ...(m[2] ? { arch: m[2] } : {}),
    flavour: flavour || (rt ? 'rt' : 'standard') };
}
