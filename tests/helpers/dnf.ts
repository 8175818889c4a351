/**
 * Runs Debian's dnf against given repos only (no system config), each call with its own
 * cache, and compares what `dnf repoquery` prints for two repos (the parity judge).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type RunResult } from './run.ts';

/** Repo id → baseurl (http:// or a local path). */
export type RepoMap = Record<string, string>;

/** `dnf <args>` with only `repos` enabled; `arch` forces the architecture (sample packages are aarch64). */
export async function dnf(repos: RepoMap, args: string[], opts: { arch?: string; extra?: string[] } = {}): Promise<RunResult> {
  const cache = await mkdtemp(join(tmpdir(), 'airgap-dnfcache-'));
  try {
    const repoArgs = Object.entries(repos).flatMap(([id, url]) => [`--repofrompath=${id},${url}`, `--repo=${id}`]);
    return await run('dnf', [
      '-q', '--releasever', '9', '--setopt=reposdir=/dev/null', '--setopt=module_platform_id=platform:el9',
      `--setopt=cachedir=${cache}`, '--setopt=skip_if_unavailable=False', '--setopt=gpgcheck=0', ...repoArgs,
      ...(opts.extra ?? []), ...args, ...(opts.arch ? ['--forcearch', opts.arch] : []),
    ]);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

/** Every field dnf exposes per package: scalars in one line, then each list field in a block. */
export const PARITY_QUERIES: [string, string][] = [
  ['scalars', '%{name}|%{epoch}|%{version}|%{release}|%{arch}|%{chksum}|%{location}|%{hdr_end}|%{size}|%{installsize}|%{downloadsize}|%{buildtime}|%{summary}|%{url}|%{license}|%{vendor}|%{packager}|%{group}|%{sourcerpm}|%{description}'],
  ...['provides', 'requires', 'requires_pre', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'enhances', 'supplements', 'files']
    .map((f): [string, string] => [f, `@@%{name}-%{evr}.%{arch}@@\n%{${f}}`]),
];

/** What `dnf repoquery` prints for one repo, per field ('changelogs' via --changelogs). Throws when dnf fails. */
export async function repoqueryAll(url: string, arch: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [field, qf] of PARITY_QUERIES) {
    const r = await dnf({ r: url }, ['repoquery', '--qf', qf], { arch });
    if (r.code !== 0) throw new Error(`dnf repoquery failed: ${r.stderr}`);
    out[field] = r.stdout;
  }
  const r = await dnf({ r: url }, ['repoquery', '--changelogs'], { arch });
  if (r.code !== 0) throw new Error(`dnf repoquery --changelogs failed: ${r.stderr}`);
  out.changelogs = r.stdout;
  return out;
}
