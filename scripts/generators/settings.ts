/**
 * What the mirror cannot know, from the `settings:` block of the build config file
 * (YAML): registry, driver versions, OpenShift version, namespaces, image mirror mappings.
 * Every field has a default matching the field runbooks (seeds 000, 001, 004), so the
 * runbooks render even without a settings block; a page says which values are defaults.
 *
 * ```yaml
 * settings:
 *   openshiftVersion: "4.18"
 *   registry: registry-arm.server.lab:8443/nvidia/certified-operator
 *   networkOperatorNamespace: nvidia-network-operator
 *   doca: { version: 25.07-0.9.7.0, image: doca-driver-container }
 *   gpu: { driverVersion: 570.133.20, image: nvidia-gpu-driver }
 *   imageMirrors:
 *     - { source: nvcr.io/nvidia, mirror: registry.example.com/mirror/nvidia, pull: tag }
 * ```
 */
import { parseWith } from '../config/read-config.ts';
import { SettingsInputSchema, type ImageMirrorSchema, type PullKindSchema } from '../config/config-schema.ts';
import type { z } from 'zod';

/** How images from a source are pulled: by digest (IDMS), by tag (ITMS) or both. */
export type PullKind = z.infer<typeof PullKindSchema>;

/** One source → mirror registry mapping. */
export type ImageMirror = z.infer<typeof ImageMirrorSchema>;

/** Resolved settings. */
export interface Settings {
  openshiftVersion: string;
  /** Registry host and path prefix images are mirrored to. */
  registry: string;
  networkOperatorNamespace: string;
  gpuOperatorNamespace: string;
  doca: { version: string; image: string; forcePrecompiled: boolean };
  gpu: { driverVersion: string; image: string };
  imageMirrors: ImageMirror[];
  /** Names of the fields that came from defaults. */
  defaulted: string[];
}

const DEFAULTS: Omit<Settings, 'defaulted'> = {
  openshiftVersion: '4.18',
  registry: 'registry.example.com/mirror',
  networkOperatorNamespace: 'nvidia-network-operator',
  gpuOperatorNamespace: 'nvidia-gpu-operator',
  doca: { version: '25.07-0.9.7.0', image: 'doca-driver-container', forcePrecompiled: false },
  gpu: { driverVersion: '570.133.20', image: 'nvidia-gpu-driver' },
  imageMirrors: [],
};

/**
 * Resolves a raw `settings:` value (undefined → all defaults), checked against the config
 * schema; throws UsageError naming `where` (the config file) and the bad key path.
 */
export function resolveSettings(raw: unknown, where = 'settings'): Settings {
  const o = parseWith(SettingsInputSchema, raw ?? {}, where, 'settings');
  const defaulted: string[] = [];
  const pick = (v: string | undefined, d: string, name: string) => (v === undefined ? (defaulted.push(name), d) : v);
  const D = DEFAULTS;
  return {
    openshiftVersion: pick(o.openshiftVersion, D.openshiftVersion, 'openshiftVersion'),
    registry: pick(o.registry, D.registry, 'registry').replace(/\/+$/, ''),
    networkOperatorNamespace: pick(o.networkOperatorNamespace, D.networkOperatorNamespace, 'networkOperatorNamespace'),
    gpuOperatorNamespace: pick(o.gpuOperatorNamespace, D.gpuOperatorNamespace, 'gpuOperatorNamespace'),
    doca: {
      version: pick(o.doca?.version, D.doca.version, 'doca.version'),
      image: pick(o.doca?.image, D.doca.image, 'doca.image'),
      forcePrecompiled: o.doca?.forcePrecompiled === true,
    },
    gpu: {
      driverVersion: pick(o.gpu?.driverVersion, D.gpu.driverVersion, 'gpu.driverVersion'),
      image: pick(o.gpu?.image, D.gpu.image, 'gpu.image'),
    },
    imageMirrors: o.imageMirrors ?? [],
    defaulted,
  };
}
