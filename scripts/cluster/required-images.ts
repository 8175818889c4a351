/**
 * The driver images each node pool needs in the mirror registry, from the build config's
 * `settings:` (repositories as the CRs of generators/operator-crs.ts name them):
 * - GPU Operator precompiled driver (NVIDIADriver `usePrecompiled: true`, seed 001):
 *   `<registry>/nvidia/<gpu.image>:<driver>-<kernel>-rhcos<ocp>` (`+64k` written `_64k`);
 * - Network Operator precompiled DOCA driver (state_ofed.go `precompiledImageFormat`, seed 002):
 *   `<registry>/nvidia/mellanox/<doca.image>:<version>-<kernel>-<os><osver>-<arch>`;
 * - the DOCA driver image the DTK build path uses when no precompiled tag exists (seed 000):
 *   `<registry>/nvidia/mellanox/<doca.image>:<version>-<os><osver>-<arch>`.
 * The GPU precompiled image exists only for RHCOS pools. A `+` in a kernel (`+64k`) is written
 * `_` in DOCA tags too, since a tag cannot hold `+` (OCI distribution spec: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`).
 */
import { docaDriverTag, docaPrecompiledTag, gpuDriverTag, imageArch, NoPrecompiledImageError, TagInputError } from '../generators/driver-tags.ts';
import type { Settings } from '../generators/settings.ts';
import type { NodePool } from './node-pools.ts';

/** Which image a pool needs. */
export type ImageKind = 'gpu-precompiled' | 'doca-precompiled' | 'doca-dtk';

/** One required image: pool, kind, `repository` (registry host and path), `tag`, and `image` = repository:tag. */
export interface RequiredImage { pool: string; kind: ImageKind; repository: string; tag: string; image: string }

/**
 * Why a pool has no image of a kind: `problem` true when its tag could not be made (a malformed
 * setting or kernel: an error the build and `images` report), false when none exists by design
 * (no precompiled GPU image is built for `+rt` or `+debug` kernels).
 */
export interface ImageNote { pool: string; kind: ImageKind; text: string; problem: boolean }

/**
 * The images `pools` need with `s`, each pool and kind on its own: a tag that cannot be made
 * (TagInputError, naming the malformed setting or kernel) is a note on that pool and kind, and
 * the others are still listed.
 */
export function requiredImages(pools: NodePool[], s: Settings): { images: RequiredImage[]; notes: ImageNote[] } {
  const gpuRepo = `${s.registry}/nvidia/${s.gpu.image}`;
  const docaRepo = `${s.registry}/nvidia/mellanox/${s.doca.image}`;
  const images: RequiredImage[] = [], notes: ImageNote[] = [];
  const add = (pool: NodePool, kind: ImageKind, repository: string, tag: () => string) => {
    try {
      const t = tag();
      images.push({ pool: pool.id, kind, repository, tag: t, image: `${repository}:${t}` });
    } catch (err) {
      if (!(err instanceof TagInputError)) throw err;
      notes.push({ pool: pool.id, kind, text: err.message, problem: !(err instanceof NoPrecompiledImageError) });
    }
  };
  for (const p of pools) {
    if (p.os === 'rhcos') {
      add(p, 'gpu-precompiled', gpuRepo, () => gpuDriverTag({ driverVersion: s.gpu.driverVersion, kernelVersion: p.kernel,
        openshiftVersion: p.osVersion }));
    }
    add(p, 'doca-precompiled', docaRepo, () => docaPrecompiledTag({ version: s.doca.version, kernel: p.kernel.replace('+', '_'),
      os: p.os, osVersion: p.osVersion, arch: imageArch(p.arch) }));
    if (p.os === 'rhcos') {
      add(p, 'doca-dtk', docaRepo, () => docaDriverTag({ driverVersion: s.doca.version, openshiftVersion: p.osVersion, arch: p.arch }));
    }
  }
  return { images, notes };
}
