/**
 * The Network Operator's `repo-config` ConfigMap (seed 000): the `.repo` files the DOCA
 * driver container (or the DTK build) uses, as an `oc create configmap --from-file` command
 * and as the equivalent manifest. YAML via the `yaml` library.
 */
import YAML from 'yaml';
import type { RepoFile } from './repo-sets.ts';

/** Default namespace of the NVIDIA Network Operator. */
export const NETWORK_OPERATOR_NAMESPACE = 'nvidia-network-operator';

/** `oc create configmap <name> -n <ns> --from-file=<f>...` for files saved under their names. */
export function repoConfigCommand(files: RepoFile[], o: { name?: string; namespace?: string } = {}): string {
  return `oc create configmap ${o.name ?? 'repo-config'} -n ${o.namespace ?? NETWORK_OPERATOR_NAMESPACE} ${files.map((f) => `--from-file=${f.fileName}`).join(' ')}`;
}

/** The same ConfigMap as a manifest (apiVersion v1, kind ConfigMap, data keyed by file name). */
export function repoConfigManifest(files: RepoFile[], o: { name?: string; namespace?: string } = {}): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: o.name ?? 'repo-config', namespace: o.namespace ?? NETWORK_OPERATOR_NAMESPACE },
    data: Object.fromEntries(files.map((f) => [f.fileName, f.text])),
  }, { lineWidth: 0 });
}
