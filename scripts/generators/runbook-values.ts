/**
 * Every value the runbooks show, made once per build from the generator library (so the CLI,
 * the pages and the tests share one implementation) and stored in the catalog. Each value is
 * made on its own: one that throws (a malformed setting, a kernel no helper reads) becomes an
 * entry of `failed` naming why, is reported once through `report` (the build's diagnostics:
 * summary, problems page, exit 2), and the page shows that message in its place; every other
 * value and page is still made.
 */
import type { RepoFile } from './repo-sets.ts';
import type { Settings } from './settings.ts';
import { repoConfigCommand, repoConfigManifest } from './repo-config.ts';
import { clusterPolicy, nicClusterPolicy, nvidiaDriver } from './operator-crs.ts';
import { docaDriverTag, gpuDriverTag, imageArch, NoPrecompiledImageError, rhcosOsTag } from './driver-tags.ts';
import { mirrorSets } from './mirror-sets.ts';
import { syncConfigYaml, type SyncConfigRepo } from './sync-config.ts';
import { parseKernel } from '../cluster/kernel-version.ts';
import { aptCertConfigManifest, aptRepoConfigManifest } from './apt-sources.ts';

/** One GPU precompiled tag per kernel: the tag, or why there is none (`problem` when it is an error). */
export interface GpuTagRow { kernel: string; tag?: string; note?: string; problem?: boolean }

/** The runbooks' values: text values by name, the GPU tag rows, and each failed value's message. */
export interface RunbookValues {
  primaryKernel: string;
  arch: string;
  imageArch: string;
  osTag: string;
  docaTag: string;
  docaImage: string;
  repoConfigCommand: string;
  repoConfigManifest: string;
  nicClusterPolicy: string;
  nvidiaDriver: string;
  clusterPolicy: string;
  syncConfig: string;
  mirrorSets: { idms: string; itms: string };
  /** repoConfig ConfigMaps for Ubuntu pools (apt sources), per operator namespace; '' without apt repos. */
  aptRepoConfigNetwork: string;
  aptRepoConfigGpu: string;
  /** certConfig ConfigMap template for a site served over https; '' otherwise or without apt repos. */
  aptCertConfig: string;
  gpuTags: GpuTagRow[];
  /** Value name → why it could not be made (its text value is then ''). */
  failed: Record<string, string>;
}

/** What the values are made from. */
export interface RunbookInput {
  settings: Settings; kernels: string[]; repoFiles: RepoFile[]; syncRepos: SyncConfigRepo[];
  /** The site's apt `.sources` text ('' without apt repos) and whether the site is served over https. */
  aptSources: string; https: boolean;
}

/** Example kernel of the runbooks when the mirror holds none. */
const EXAMPLE_KERNEL = '5.14.0-427.87.1.el9_4.aarch64';

/**
 * Makes the values; `report(value, message)` is called once per value that failed.
 * Never throws for a generator's error.
 */
export function runbookValues(input: RunbookInput, report: (value: string, message: string) => void): RunbookValues {
  const s = input.settings, failed: Record<string, string> = {};
  const attempt = <T>(name: string, make: () => T, fallback: T): T => {
    try {
      return make();
    } catch (err) {
      failed[name] = (err as Error).message;
      report(name, failed[name]);
      return fallback;
    }
  };
  const primaryKernel = input.kernels[0] ?? EXAMPLE_KERNEL;
  const arch = attempt('arch', () => parseKernel(primaryKernel).arch ?? 'aarch64', 'aarch64');
  const docaTag = attempt('docaTag',
    () => docaDriverTag({ driverVersion: s.doca.version, openshiftVersion: s.openshiftVersion, arch }), '');
  if (failed.docaTag) failed.docaImage = failed.docaTag;
  const namespace = { namespace: s.networkOperatorNamespace };
  return {
    primaryKernel, arch,
    imageArch: attempt('imageArch', () => imageArch(arch), ''),
    osTag: attempt('osTag', () => rhcosOsTag(s.openshiftVersion), ''),
    docaTag,
    docaImage: docaTag ? `${s.registry}/nvidia/mellanox/${s.doca.image}:${docaTag}` : '',
    repoConfigCommand: attempt('repoConfigCommand', () => repoConfigCommand(input.repoFiles, namespace), ''),
    repoConfigManifest: attempt('repoConfigManifest', () => repoConfigManifest(input.repoFiles, namespace), ''),
    nicClusterPolicy: attempt('nicClusterPolicy', () => nicClusterPolicy(s), ''),
    nvidiaDriver: attempt('nvidiaDriver', () => nvidiaDriver(s), ''),
    clusterPolicy: attempt('clusterPolicy', () => clusterPolicy(), ''),
    syncConfig: attempt('syncConfig', () => syncConfigYaml(input.syncRepos, input.kernels), ''),
    mirrorSets: attempt('mirrorSets', () => mirrorSets(s.imageMirrors), { idms: '', itms: '' }),
    aptRepoConfigNetwork: input.aptSources
      ? aptRepoConfigManifest(input.aptSources, { name: 'repo-config', namespace: s.networkOperatorNamespace }) : '',
    aptRepoConfigGpu: input.aptSources
      ? aptRepoConfigManifest(input.aptSources, { name: 'repo-config', namespace: s.gpuOperatorNamespace }) : '',
    aptCertConfig: input.aptSources && input.https
      ? aptCertConfigManifest({ name: 'cert-config', namespace: s.networkOperatorNamespace }) : '',
    gpuTags: input.kernels.map((kernel) => gpuTagRow(kernel, s, report)),
    failed,
  };
}

/** The GPU tag of one kernel; a flavour without precompiled images is a note, any other failure a problem. */
function gpuTagRow(kernel: string, s: Settings, report: (value: string, message: string) => void): GpuTagRow {
  try {
    const tag = gpuDriverTag({ driverVersion: s.gpu.driverVersion, kernelVersion: kernel, openshiftVersion: s.openshiftVersion });
    return { kernel, tag };
  } catch (err) {
    const note = (err as Error).message;
    if (err instanceof NoPrecompiledImageError) return { kernel, note };
    report(`gpuTags ${kernel}`, note);
    return { kernel, note, problem: true };
  }
}
