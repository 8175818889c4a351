/** Builds the sample mirror into a fresh temporary site with the CLI (as a user would). */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, SAMPLE_MIRROR } from './cli.ts';
import type { RunResult } from './run.ts';

/** The sample repos: path → arch their packages need dnf to accept. */
export const SAMPLE_REPOS = ['cuda-rhel9-aarch64', 'rhocp-4.18-for-rhel-9-aarch64-rpms', 'ubi8/appstream', 'ubi8/baseos', 'ubi9/appstream', 'ubi9/baseos'];

/** Runs `airgap-mirror build` on the sample mirror; returns the output dir and the CLI result. */
export async function buildSampleSite(extra: string[] = []): Promise<{ out: string; result: RunResult }> {
  const out = join(await mkdtemp(join(tmpdir(), 'airgap-site-')), 'dist');
  const result = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, ...extra]);
  return { out, result };
}
