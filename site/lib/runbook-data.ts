/**
 * Values the runbook components show, computed once per build from the catalog: repo files,
 * the repo-config ConfigMap, operator CRs, driver tags per kernel of the mirror, mirror sets, the sync config,
 * and serving configs with this site's base URL. All text comes from the generator library
 * (scripts/generators) so the CLI, the pages and the tests share one implementation.
 */
import { readCatalog } from '../../scripts/catalog/catalog-loader.ts';
import { repoConfigCommand, repoConfigManifest } from '../../scripts/generators/repo-config.ts';
import { clusterPolicy, nicClusterPolicy, nvidiaDriver } from '../../scripts/generators/operator-crs.ts';
import { docaDriverTag, gpuDriverTag, imageArch, rhcosOsTag } from '../../scripts/generators/driver-tags.ts';
import { mirrorSets } from '../../scripts/generators/mirror-sets.ts';
import { syncConfigYaml } from '../../scripts/generators/sync-config.ts';

/** Everything a runbook can show, filled with this mirror's values. */
export async function runbookData() {
  const c = await readCatalog();
  const s = c.settings;
  const kernels = c.preflight.map((p) => p.kernelVersion);
  const primaryKernel = kernels[0] ?? '5.14.0-427.87.1.el9_4.aarch64';
  const arch = primaryKernel.endsWith('x86_64') ? 'x86_64' : 'aarch64';
  const docaTag = docaDriverTag({ driverVersion: s.doca.version, openshiftVersion: s.openshiftVersion, arch });
  const base = new URL(c.baseUrl);
  return {
    catalog: c,
    settings: s,
    kernels,
    primaryKernel,
    arch,
    imageArch: imageArch(arch),
    osTag: rhcosOsTag(s.openshiftVersion),
    repoFiles: c.repoFiles,
    repoConfigCommand: repoConfigCommand(c.repoFiles, { namespace: s.networkOperatorNamespace }),
    repoConfigManifest: repoConfigManifest(c.repoFiles, { namespace: s.networkOperatorNamespace }),
    nicClusterPolicy: nicClusterPolicy(s),
    nvidiaDriver: nvidiaDriver(s),
    clusterPolicy: clusterPolicy(),
    docaTag,
    docaImage: `${s.registry}/nvidia/mellanox/${s.doca.image}:${docaTag}`,
    gpuTags: kernels.map((k) => ({ kernel: k, tag: gpuDriverTag({ driverVersion: s.gpu.driverVersion, kernelVersion: k, openshiftVersion: s.openshiftVersion }) })),
    mirrorSets: mirrorSets(s.imageMirrors),
    syncConfig: syncConfigYaml(c.repos.map((r) => ({ id: r.id, path: r.path, arches: r.arches,
      ...(r.upstream ? { upstream: r.upstream } : {}) })), kernels),
    host: base.hostname,
    port: base.port || (base.protocol === 'https:' ? '443' : '80'),
    basePath: base.pathname,
  };
}
