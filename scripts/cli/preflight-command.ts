/**
 * `airgap-mirror preflight`: reads the mirror's headers (no site build) and prints the driver-build
 * preflight per kernel: the profiles of `--profile`, else of the config's `sync.closure`, else the DOCA build.
 */
import { Diagnostics, formatDiagnostic } from '../errors/catalogue.ts';
import { ExitCode } from '../errors/exit-codes.ts';
import { findRepos, type RepoSpec } from '../scan/find-repos.ts';
import { readRepo } from '../scan/read-repo.ts';
import { createPackageReader } from '../scan/reader-pool.ts';
import { closurePackages, DEFAULT_PREFLIGHT, dtkPreflight, kernelVersionsIn, type PreflightResult }
  from '../preflight/dtk-preflight.ts';
import type { ClosureRequest } from '../closure/pool-closure.ts';
import type { NodePool } from '../cluster/node-pools.ts';
import type { RepoPackages } from '../preflight/repo-closure.ts';

/** Human report of one preflight result. */
export function formatPreflight(r: PreflightResult): string {
  const lines = [`KERNEL_VERSION ${r.kernelVersion}: ${r.ok ? 'OK' : 'NOT READY'} (profiles: ${r.profiles.join(', ') || 'none'})`];
  for (const p of r.required) lines.push(`  ${p.found ? 'found  ' : 'MISSING'} ${p.name}${p.exactVersion ? `-${r.versionRelease}` : ''}${p.found ? `  ${p.found.nevra} (${p.found.repoId})` : ''}`);
  lines.push(`  dependency closure: ${r.closure.length} packages, ${r.unresolved.length} unresolved`);
  for (const u of r.unresolved) lines.push(`  UNRESOLVED ${u.nevra} (${u.repoId}) requires ${u.dep}`);
  return lines.join('\n');
}

/**
 * Runs the preflight for `kernels` (default: the node pools of `pools`, else every kernel of the mirror);
 * returns 0 when every kernel is ready, 2 when not, 1 when there is nothing to check.
 */
export async function runPreflight(mirrorDir: string, kernels: string[], repos: RepoSpec[],
  o: { request?: ClosureRequest; pools?: NodePool[] } = {}): Promise<number> {
  const diags = new Diagnostics((d) => process.stderr.write(formatDiagnostic(d) + '\n'));
  const found = (await findRepos(mirrorDir, diags, repos)).filter((r) => r.format === 'rpm'); // Ubuntu pools take no RPMs
  const sets: RepoPackages = [];
  const reader = createPackageReader();
  for (const r of found) sets.push({ repoId: r.id, packages: await readRepo(mirrorDir, r, diags, { reader }) });
  await reader.close();
  const arch = new Map(o.pools?.map((p) => [p.kernel, p.arch]));
  const list = kernels.length ? kernels : o.pools?.length ? [...arch.keys()] : kernelVersionsIn(sets);
  if (!list.length) {
    process.stderr.write('airgap-mirror: no kernel-core package in the mirror; pass --kernel-version\n');
    return ExitCode.FAILED;
  }
  const packages = closurePackages(sets);
  const results = list.map((k) => dtkPreflight(sets, k, o.request ?? DEFAULT_PREFLIGHT, packages, arch.get(k)));
  process.stdout.write(results.map(formatPreflight).join('\n') + '\n');
  return results.every((r) => r.ok) ? ExitCode.OK : ExitCode.PARTIAL;
}
