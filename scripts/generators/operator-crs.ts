/**
 * Custom resources for the NVIDIA operators, filled from the settings and the mirror:
 * NicClusterPolicy `spec.ofedDriver` (mellanox.com/v1alpha1, seed 000: repoConfig, image,
 * repository, version; note the published CRD has no `deploy` field), the NVIDIADriver CR
 * for precompiled GPU drivers and the ClusterPolicy that hands the driver to it (seed 001).
 * Field names follow the CRDs in tests/fixtures/crds (validated there). YAML via `yaml`.
 */
import YAML from 'yaml';
import type { Settings } from './settings.ts';

const dump = (doc: unknown) => YAML.stringify(doc, { lineWidth: 0 });

/** NicClusterPolicy with the DOCA driver built by the DTK (or precompiled) from the mirror's repo-config. */
export function nicClusterPolicy(s: Settings, o: { repoConfigName?: string } = {}): string {
  return dump({
    apiVersion: 'mellanox.com/v1alpha1',
    kind: 'NicClusterPolicy',
    metadata: { name: 'nic-cluster-policy' },
    spec: {
      ofedDriver: {
        image: s.doca.image,
        repository: `${s.registry}/nvidia/mellanox`,
        version: s.doca.version,
        forcePrecompiled: s.doca.forcePrecompiled,
        repoConfig: { name: o.repoConfigName ?? 'repo-config' },
      },
    },
  });
}

/** NVIDIADriver CR using a precompiled driver image from the mirror registry. */
export function nvidiaDriver(s: Settings): string {
  return dump({
    apiVersion: 'nvidia.com/v1alpha1',
    kind: 'NVIDIADriver',
    metadata: { name: 'gpu-driver' },
    spec: { driverType: 'gpu', default: true, usePrecompiled: true, repository: `${s.registry}/nvidia`, image: s.gpu.image, version: s.gpu.driverVersion },
  });
}

/** ClusterPolicy that delegates the driver to the NVIDIADriver CR (useNvidiaDriverCRD). */
export function clusterPolicy(): string {
  return dump({
    apiVersion: 'nvidia.com/v1',
    kind: 'ClusterPolicy',
    metadata: { name: 'gpu-cluster-policy' },
    spec: {
      operator: { defaultRuntime: 'crio', use_ocp_driver_toolkit: true },
      daemonsets: { updateStrategy: 'RollingUpdate' },
      driver: { enabled: true, useNvidiaDriverCRD: true },
      toolkit: { enabled: true },
      devicePlugin: { enabled: true },
      dcgm: { enabled: true },
      dcgmExporter: { enabled: true },
      gfd: { enabled: true },
      nodeStatusExporter: { enabled: true },
      validator: { driver: { env: [{ name: 'DISABLE_DEV_CHAR_SYMLINK_CREATION', value: 'true' }] } },
    },
  });
}
