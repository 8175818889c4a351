/**
 * Node pools from the cluster: `oc get nodes -o json` (a v1 `List` of `Node`) grouped by what
 * the driver images depend on, as the NVIDIA Network Operator groups nodes for its MOFED
 * DaemonSets (network-operator `pkg/state/state_ofed.go` nodePool: kernel, OS name and
 * version, arch): `status.nodeInfo.kernelVersion` (e.g. `5.14.0-284.54.1.el9_2.aarch64+64k`),
 * the OS from `status.nodeInfo.osImage` (`Red Hat Enterprise Linux CoreOS 418.94.202509100653-0`
 * is RHCOS 4.18: the first digit the major version, the rest the minor) and
 * `status.nodeInfo.architecture` (`arm64`/`amd64`).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseWith } from '../config/read-config.ts';
import { UsageError } from '../errors/exit-codes.ts';
import { parseKernel } from './kernel-version.ts';

/** One node pool: its nodes share kernel, OS and arch, so they need the same driver images. */
export interface NodePool {
  /** `<os><osVersion>-<kernel>`, unique per pool. */
  id: string;
  kernel: string;
  /** `rhcos`, `rhel` or `ubuntu`. */
  os: string;
  /** `4.18` for RHCOS (the OpenShift minor), `9.4` for RHEL. */
  osVersion: string;
  /** rpm arch: `aarch64` or `x86_64`. */
  arch: string;
  pages64k: boolean;
  nodes: string[];
}

const NodeListSchema = z.object({
  items: z.array(z.object({
    metadata: z.object({ name: z.string() }),
    status: z.object({
      nodeInfo: z.object({ kernelVersion: z.string(), osImage: z.string(), architecture: z.string() }),
    }),
  })),
});

const ARCH: Record<string, string> = { arm64: 'aarch64', aarch64: 'aarch64', amd64: 'x86_64', x86_64: 'x86_64' };

/**
 * The OS of an `osImage`: RHCOS `4NN.…` → `rhcos` 4.NN; a RHCOS image naming a RHEL
 * version (`9.6.2025…`, OpenShift 4.19 and later) → `rhcos` with `openshiftVersion`;
 * `Red Hat Enterprise Linux 9.4 (Plow)` → `rhel` 9.4; `Ubuntu 22.04.3 LTS` → `ubuntu` 22.04 (the Network
 * Operator's other OS). Undefined when not recognised.
 */
export function osOf(osImage: string, openshiftVersion: string): { os: string; osVersion: string } | undefined {
  const rhcos = /CoreOS 4(\d+)\.\d+/.exec(osImage);
  if (rhcos) return { os: 'rhcos', osVersion: `4.${Number(rhcos[1])}` };
  if (/CoreOS/.test(osImage)) return { os: 'rhcos', osVersion: openshiftVersion.split('.').slice(0, 2).join('.') };
  const rhel = /Red Hat Enterprise Linux (\d+\.\d+)/.exec(osImage);
  if (rhel) return { os: 'rhel', osVersion: rhel[1]! };
  const ubuntu = /^Ubuntu (\d+\.\d+)/.exec(osImage);
  return ubuntu ? { os: 'ubuntu', osVersion: ubuntu[1]! } : undefined;
}

/** A node's kernel flavour (kernel-version.ts); `unknown` for a string no kernel reader can read (the pool still shows). */
const kernelFlavour = (kernel: string) => {
  try {
    return parseKernel(kernel).flavour;
  } catch {
    return 'unknown';
  }
};

/** Groups the nodes of a parsed node list into pools (sorted by id; nodes sorted). Throws UsageError for an unknown OS or arch. */
export function nodePools(list: z.infer<typeof NodeListSchema>, openshiftVersion: string, where = 'nodes'): NodePool[] {
  const pools = new Map<string, NodePool>();
  for (const n of list.items) {
    const info = n.status.nodeInfo;
    const os = osOf(info.osImage, openshiftVersion);
    const arch = ARCH[info.architecture];
    if (!os) throw new UsageError(`${where}: node ${n.metadata.name}: osImage "${info.osImage}" is not RHCOS, RHEL or Ubuntu`);
    if (!arch) throw new UsageError(`${where}: node ${n.metadata.name}: architecture "${info.architecture}" is not arm64 or amd64`);
    const id = `${os.os}${os.osVersion}-${info.kernelVersion}`;
    const pool = pools.get(id) ?? pools.set(id, { id, kernel: info.kernelVersion, ...os, arch,
      pages64k: kernelFlavour(info.kernelVersion) === '64k', nodes: [] }).get(id)!;
    pool.nodes.push(n.metadata.name);
  }
  for (const p of pools.values()) p.nodes.sort();
  return [...pools.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The pools whose nodes install RPMs (RHCOS, RHEL): an Ubuntu pool's drivers build from .deb
 * packages, so it takes no part in an RPM closure or preflight. `skipped` gets each one left out.
 */
export function rpmPools(pools: NodePool[], skipped: (p: NodePool) => void = () => {}): NodePool[] {
  return pools.filter((p) => (p.os === 'ubuntu' ? (skipped(p), false) : true));
}

/** Reads `oc get nodes -o json` output from `file` into pools. Throws UsageError naming the file and the bad field. */
export async function readNodePools(file: string, openshiftVersion: string): Promise<NodePool[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file}: cannot read the node list (${(err as Error).message}); save it with oc get nodes -o json`);
  }
  return nodePools(parseWith(NodeListSchema, doc, file), openshiftVersion, file);
}
