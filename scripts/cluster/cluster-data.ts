/**
 * What the site's cluster page and runbooks show of the cluster (`build --nodes FILE`, and
 * `--images-check FILE` from `images check --json`): each node pool with its nodes, whether
 * the DTK preflight of its kernel passed in this mirror, and the images it needs, each with
 * its upstream source, how the cluster reaches it through IDMS/ITMS, and, when a registry
 * check was given, present/missing in the registry.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors/exit-codes.ts';
import { checkCoverage } from '../generators/mirror-sets.ts';
import type { Settings } from '../generators/settings.ts';
import type { ImageVerdict } from './check-images.ts';
import { sourceOf } from './mirror-list.ts';
import { readNodePools, type NodePool } from './node-pools.ts';
import { requiredImages, type ImageNote, type RequiredImage } from './required-images.ts';

/** One required image as the site shows it. */
export interface ClusterImage extends RequiredImage {
  source?: string;
  /** How a pull of the source reaches the mirror: covered by an ITMS entry, or why not. */
  coverage: string;
  registry?: { status: ImageVerdict['status']; why?: string };
}

/** A pool as the site shows it, with the images it needs and why any kind has none (required-images.ts). */
export interface ClusterPool extends NodePool { images: ClusterImage[]; notes: ImageNote[] }

/** The cluster data of a build: pools, and the time of the registry check given (ISO 8601), if any. */
export interface ClusterData { pools: ClusterPool[]; checkedAt?: string; nodesFile: string }

/** How a pull of `source` by tag reaches the mirror (IDMS/ITMS from `settings.imageMirrors`). */
function coverageOf(img: RequiredImage, source: string | undefined, s: Settings): string {
  if (!source) return 'pulled from the mirror registry by the name the CR gives (no mirror set needed)';
  const [c] = checkCoverage([source], s.imageMirrors);
  return c!.covered ? `a pull of ${source} is redirected by the ImageTagMirrorSet entry for ${c!.source}` : c!.reason!;
}

/** Builds the cluster data from pools, settings and an optional registry check result. */
export function clusterData(pools: NodePool[], s: Settings, nodesFile: string, check?: { checkedAt?: string; verdicts: ImageVerdict[] }):
  ClusterData {
  const verdict = new Map(check?.verdicts.map((v) => [`${v.pool} ${v.image}`, v]));
  const { images, notes } = requiredImages(pools, s);
  return {
    nodesFile,
    ...(check?.checkedAt ? { checkedAt: check.checkedAt } : {}),
    pools: pools.map((p) => ({ ...p, images: images.filter((i) => i.pool === p.id).map((i) => {
      const source = sourceOf(i, s.imageMirrors);
      const v = verdict.get(`${i.pool} ${i.image}`);
      return { ...i, ...(source ? { source } : {}), coverage: coverageOf(i, source, s),
        ...(v ? { registry: { status: v.status, ...(v.why ? { why: v.why } : {}) } } : {}) };
    }), notes: notes.filter((n) => n.pool === p.id) })),
  };
}

/** Reads `--nodes` and `--images-check` for a build. Throws UsageError naming a bad file. */
export async function readClusterData(nodesFile: string, s: Settings, checkFile?: string): Promise<ClusterData> {
  const pools = await readNodePools(nodesFile, s.openshiftVersion);
  let check: { checkedAt?: string; verdicts: ImageVerdict[] } | undefined;
  if (checkFile) {
    try {
      check = JSON.parse(await readFile(checkFile, 'utf8'));
      if (!Array.isArray(check?.verdicts)) throw new Error('no verdicts list');
    } catch (err) {
      throw new UsageError(`${checkFile}: not the output of images check --json (${(err as Error).message})`);
    }
  }
  return clusterData(pools, s, nodesFile, check);
}
