/**
 * What the connected side must copy so the registry holds every required image: each image's
 * source is found by reversing `settings.imageMirrors` (the longest mirror prefix that matches
 * the image's repository at a `/` boundary, as mirror-sets.ts matches sources). Written as an
 * oc-mirror v2 `ImageSetConfiguration` (`apiVersion: mirror.openshift.io/v2alpha1`,
 * `mirror.additionalImages[].name`, per the OpenShift "ImageSet configuration parameters for
 * oc-mirror plugin v2" documentation) and as a `skopeo copy` script. An image with no source
 * (a precompiled GPU driver image for RHCOS is built, seed 001, never pulled) is listed in a comment.
 */
import YAML from 'yaml';
import type { ImageMirror } from '../generators/settings.ts';
import type { RequiredImage } from './required-images.ts';

/** A required image with its upstream source, if the mirrors name one. */
export interface MirrorListEntry { image: string; source?: string; pools: string[] }

/** The source image of `image` through `mirrors`, or undefined. */
export function sourceOf(image: RequiredImage, mirrors: ImageMirror[]): string | undefined {
  if (image.kind === 'gpu-precompiled') return undefined; // built for RHCOS kernels (seed 001), never published
  const match = mirrors.filter((m) => image.repository === m.mirror || image.repository.startsWith(`${m.mirror}/`))
    .sort((a, b) => b.mirror.length - a.mirror.length)[0];
  return match ? `${match.source}${image.repository.slice(match.mirror.length)}:${image.tag}` : undefined;
}

/** The distinct required images (sorted), each with its source and the pools that need it. */
export function mirrorList(images: RequiredImage[], mirrors: ImageMirror[]): MirrorListEntry[] {
  const byImage = new Map<string, MirrorListEntry>();
  for (const i of images) {
    let e = byImage.get(i.image);
    if (!e) {
      const source = sourceOf(i, mirrors);
      e = { image: i.image, pools: [], ...(source ? { source } : {}) };
      byImage.set(i.image, e);
    }
    if (!e.pools.includes(i.pool)) e.pools.push(i.pool);
  }
  return [...byImage.values()].sort((a, b) => a.image.localeCompare(b.image));
}

/** The oc-mirror v2 ImageSetConfiguration of the sourced images; unsourced ones in a leading comment. */
export function imageSetConfiguration(list: MirrorListEntry[]): string {
  const missing = list.filter((e) => !e.source).map((e) => `# no source in settings.imageMirrors (build or push it): ${e.image}\n`);
  const doc = { apiVersion: 'mirror.openshift.io/v2alpha1', kind: 'ImageSetConfiguration',
    mirror: { additionalImages: list.filter((e) => e.source).map((e) => ({ name: e.source! })) } };
  return missing.join('') + YAML.stringify(doc, { lineWidth: 0 });
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A bash script copying each sourced image to its mirror name with `skopeo copy --all`. */
export function skopeoScript(list: MirrorListEntry[]): string {
  const lines = ['#!/usr/bin/env bash', '# Copies the driver images the node pools need into the mirror registry (airgap-mirror images list).',
    'set -euo pipefail', 'AUTH="${REGISTRY_AUTH_FILE:-${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/containers/auth.json}"'];
  for (const e of list) {
    lines.push(`# pools: ${e.pools.join(', ')}`);
    lines.push(e.source ? `skopeo copy --all --authfile "$AUTH" ${sq(`docker://${e.source}`)} ${sq(`docker://${e.image}`)}`
      : `# no source in settings.imageMirrors (build or push it): ${e.image}`);
  }
  return lines.join('\n') + '\n';
}
