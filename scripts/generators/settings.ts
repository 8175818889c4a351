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
import { UsageError } from '../errors/exit-codes.ts';

/** How images from a source are pulled: by digest (IDMS), by tag (ITMS) or both. */
export type PullKind = 'digest' | 'tag' | 'both';

/** One source → mirror registry mapping. */
export interface ImageMirror { source: string; mirror: string; pull: PullKind }

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

const str = (v: unknown, field: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw new UsageError(`settings.${field} must be a string`);
  return String(v);
};

/** Resolves a raw `settings:` value (undefined → all defaults); throws UsageError naming a bad field. */
export function resolveSettings(raw: unknown): Settings {
  const o = (raw ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o)) throw new UsageError('settings must be a mapping');
  const defaulted: string[] = [];
  const pick = (v: string | undefined, d: string, name: string) => (v === undefined ? (defaulted.push(name), d) : v);
  const doca = (o.doca ?? {}) as Record<string, unknown>;
  const gpu = (o.gpu ?? {}) as Record<string, unknown>;
  const mirrors = (o.imageMirrors ?? []) as unknown[];
  if (!Array.isArray(mirrors)) throw new UsageError('settings.imageMirrors must be a list');
  return {
    openshiftVersion: pick(str(o.openshiftVersion, 'openshiftVersion'), DEFAULTS.openshiftVersion, 'openshiftVersion'),
    registry: pick(str(o.registry, 'registry'), DEFAULTS.registry, 'registry').replace(/\/+$/, ''),
    networkOperatorNamespace: pick(str(o.networkOperatorNamespace, 'networkOperatorNamespace'), DEFAULTS.networkOperatorNamespace, 'networkOperatorNamespace'),
    gpuOperatorNamespace: pick(str(o.gpuOperatorNamespace, 'gpuOperatorNamespace'), DEFAULTS.gpuOperatorNamespace, 'gpuOperatorNamespace'),
    doca: {
      version: pick(str(doca.version, 'doca.version'), DEFAULTS.doca.version, 'doca.version'),
      image: pick(str(doca.image, 'doca.image'), DEFAULTS.doca.image, 'doca.image'),
      forcePrecompiled: doca.forcePrecompiled === true,
    },
    gpu: {
      driverVersion: pick(str(gpu.driverVersion, 'gpu.driverVersion'), DEFAULTS.gpu.driverVersion, 'gpu.driverVersion'),
      image: pick(str(gpu.image, 'gpu.image'), DEFAULTS.gpu.image, 'gpu.image'),
    },
    imageMirrors: mirrors.map((m, i) => {
      const x = m as Record<string, unknown>;
      const source = str(x?.source, `imageMirrors[${i}].source`), mirror = str(x?.mirror, `imageMirrors[${i}].mirror`);
      if (!source || !mirror) throw new UsageError(`settings.imageMirrors[${i}] needs source and mirror`);
      const pull = (x.pull ?? 'both') as PullKind;
      if (!['digest', 'tag', 'both'].includes(pull)) throw new UsageError(`settings.imageMirrors[${i}].pull must be digest, tag or both`);
      return { source, mirror, pull };
    }),
    defaulted,
  };
}
