/**
 * `airgap-mirror preflight`: reads the mirror's headers (no site build) and prints the driver-build
 * preflight per kernel: the profiles of `--profile`, else of the config's `sync.closure`, else the DOCA build.
 * Ubuntu pools of `--nodes` are checked against the mirror's apt repos instead (preflight/apt-preflight.ts:
 * the DOCA and GPU driver builds' packages and their closure under apt's rules).
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
import { aptPoolReadiness, type AptControl, type AptPoolReadiness } from '../preflight/apt-preflight.ts';
import { DebFormatError, readDeb } from '../formats/format.ts';
import { join } from 'node:path';

/** Human report of one preflight result. */
export function formatPreflight(r: PreflightResult): string {
  const lines = [`KERNEL_VERSION ${r.kernelVersion}: ${r.ok ? 'OK' : 'NOT READY'} (profiles: ${r.profiles.join(', ') || 'none'})`];
  for (const p of r.required) lines.push(`  ${p.found ? 'found  ' : 'MISSING'} ${p.name}${p.exactVersion ? `-${r.versionRelease}` : ''}${p.found ? `  ${p.found.nevra} (${p.found.repoId})` : ''}`);
  lines.push(`  dependency closure: ${r.closure.length} packages, ${r.unresolved.length} unresolved`);
  for (const u of r.unresolved) lines.push(`  UNRESOLVED ${u.nevra} (${u.repoId}) requires ${u.dep}`);
  return lines.join('\n');
}

/** Human report of an Ubuntu pool's readiness from the mirror's apt repos. */
export function formatAptPreflight(a: AptPoolReadiness): string {
  const verdict = a.ok ? 'OK' : 'NOT READY';
  const lines = [`UBUNTU POOL ${a.pool} (kernel ${a.kernel}): ${verdict} (DOCA and GPU driver builds)`];
  for (const r of a.required) {
    lines.push(`  ${r.found ? 'found  ' : r.optional ? 'absent ' : 'MISSING'} ${r.name}${r.found ? `  ${r.found}` : ''}`
      + `${r.optional && !r.found ? ' (optional)' : ''}`);
  }
  lines.push(`  gcc: ${a.gcc.join(', ') || 'no gcc-N package (the DOCA build installs the kernel\'s gcc-<major>)'}`);
  for (const u of a.unmet) lines.push(`  UNRESOLVED ${u}`);
  return lines.join('\n');
}

/** The control paragraphs of every `.deb` of the apt repos found (a file that is not a package is reported). */
async function aptControls(mirrorDir: string, found: Awaited<ReturnType<typeof findRepos>>, diags: Diagnostics):
  Promise<AptControl[]> {
  const out: AptControl[] = [];
  for (const r of found.filter((x) => x.format === 'deb')) {
    for (const rel of r.debs) {
      try {
        out.push((await readDeb(join(mirrorDir, r.path, rel), 0)).control);
      } catch (err) {
        if (err instanceof DebFormatError) diags.report('deb-not-deb', join(r.path, rel), err.message);
        else throw err;
      }
    }
  }
  return out;
}

/**
 * Runs the preflight for `kernels` (default: the node pools of `pools`, else every kernel of the mirror);
 * returns 0 when every kernel is ready, 2 when not, 1 when there is nothing to check.
 */
export async function runPreflight(mirrorDir: string, kernels: string[], repos: RepoSpec[],
  o: { request?: ClosureRequest; pools?: NodePool[] } = {}): Promise<number> {
  const diags = new Diagnostics((d) => process.stderr.write(formatDiagnostic(d) + '\n'));
  const all = await findRepos(mirrorDir, diags, repos);
  const found = all.filter((r) => r.format === 'rpm'); // Ubuntu pools take no RPMs
  const ubuntu = o.pools?.filter((p) => p.os === 'ubuntu') ?? [];
  const apt = ubuntu.length ? await aptControls(mirrorDir, all, diags) : [];
  const aptResults = ubuntu.map((p) => aptPoolReadiness(p.id, p.kernel, apt, { arch: p.arch, osVersion: p.osVersion }));
  if (aptResults.length) process.stdout.write(aptResults.map(formatAptPreflight).join('\n') + '\n');
  const aptOk = aptResults.every((r) => r.ok);
  const rpmPools = o.pools?.filter((p) => p.os !== 'ubuntu');
  if (o.pools && !rpmPools?.length && !kernels.length) return aptOk ? ExitCode.OK : ExitCode.PARTIAL;
  const sets: RepoPackages = [];
  const reader = createPackageReader();
  for (const r of found) sets.push({ repoId: r.id, packages: await readRepo(mirrorDir, r, diags, { reader }) });
  await reader.close();
  const arch = new Map(rpmPools?.map((p) => [p.kernel, p.arch]));
  const list = kernels.length ? kernels : rpmPools?.length ? [...arch.keys()] : kernelVersionsIn(sets);
  if (!list.length) {
    process.stderr.write('airgap-mirror: no kernel-core package in the mirror; pass --kernel-version\n');
    return ExitCode.FAILED;
  }
  const packages = closurePackages(sets);
  const results = list.map((k) => dtkPreflight(sets, k, o.request ?? DEFAULT_PREFLIGHT, packages, arch.get(k)));
  process.stdout.write(results.map(formatPreflight).join('\n') + '\n');
  return results.every((r) => r.ok) && aptOk ? ExitCode.OK : ExitCode.PARTIAL;
}
