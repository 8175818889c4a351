/**
 * DTK preflight and closure: our unresolved-Requires list equals `dnf repoclosure` over the
 * same repos, on the sample mirror (complete) and on a copy with elfutils-libelf removed
 * (broken: both report the same three packages); the preflight CLI names what is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fg from 'fast-glob';
import { Diagnostics } from '../../scripts/errors/catalogue.ts';
import { findRepos } from '../../scripts/scan/find-repos.ts';
import { readRepo } from '../../scripts/scan/read-repo.ts';
import { unresolvedRequires, type RepoPackages } from '../../scripts/preflight/repo-closure.ts';
import { dtkPreflight } from '../../scripts/preflight/dtk-preflight.ts';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { dnf } from '../helpers/dnf.ts';

let base: string, broken: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-preflight-'));
  broken = join(base, 'broken');
  await cp(SAMPLE_MIRROR, broken, { recursive: true, filter: (src) => !src.includes('elfutils-libelf-0.190') });
});
afterAll(async () => { await rm(base, { recursive: true, force: true }); });

async function load(mirror: string): Promise<RepoPackages> {
  const diags = new Diagnostics();
  const out: RepoPackages = [];
  for (const r of await findRepos(mirror, diags)) out.push({ repoId: r.id, packages: await readRepo(mirror, r, diags) });
  return out;
}

/** `dnf repoclosure` over every repo of a built site, as `<nevra> requires <dep>` lines. */
async function dnfRepoclosure(site: string): Promise<string[]> {
  const repos = Object.fromEntries((await fg('**/repodata/repomd.xml', { cwd: site })).map((p) => [p.replace(/\/repodata\/repomd.xml$/, '').replace(/\//g, '-'), join(site, p, '../..')]));
  const r = await dnf(repos, ['repoclosure'], { arch: 'aarch64' });
  const out: string[] = [];
  // repoclosure exits 0 when every requirement is met, 1 when some is not; anything else is a failure of dnf
  if (r.code !== 0 && r.code !== 1) throw new Error(`dnf repoclosure failed (exit ${r.code}): ${r.stderr}`);
  let pkg = '';
  for (const line of r.stdout.split('\n')) {
    const m = /^package: (\S+) from /.exec(line);
    if (m) pkg = m[1]!;
    else if (/^ {4}\S/.test(line)) out.push(`${pkg} requires ${line.trim()}`);
  }
  expect(r.code, 'dnf repoclosure exits 1 exactly when it lists unresolved requirements').toBe(out.length ? 1 : 0);
  return out.sort();
}

async function site(mirror: string, name: string): Promise<string> {
  const out = join(base, name);
  const r = await cli(['build', '--mirror', mirror, '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

describe('closure agrees with dnf repoclosure', () => {
  it.each([['the sample mirror', () => SAMPLE_MIRROR, 0], ['the sample mirror without elfutils-libelf', () => broken, 3]])('%s', async (name, mirror, expected) => {
    const repos = await load(mirror());
    const ours = unresolvedRequires(repos).map((u) => `${u.nevra} requires ${u.dep}`).sort();
    const theirs = await dnfRepoclosure(await site(mirror(), name.replace(/\s/g, '-')));
    expect(ours).toEqual(theirs);
    expect(ours).toHaveLength(expected);
  });
});

describe('DTK preflight', () => {
  it('is ready for the sample kernel and lists its closure', async () => {
    const r = dtkPreflight(await load(SAMPLE_MIRROR), '5.14.0-427.87.1.el9_4.aarch64');
    expect(r.ok).toBe(true);
    expect(r.required.every((p) => p.found)).toBe(true);
    expect(r.closure).toEqual(expect.arrayContaining(['kernel-devel-5.14.0-427.87.1.el9_4.aarch64', 'elfutils-libelf-0.190-2.el9.aarch64', 'coreutils-8.32-35.el9.aarch64']));
  });

  it('names a missing kernel version and the broken closure, with exit 2', async () => {
    const missing = dtkPreflight(await load(SAMPLE_MIRROR), '5.14.0-427.99.1.el9_4');
    expect(missing.ok).toBe(false);
    expect(missing.required.filter((p) => !p.found).map((p) => p.name)).toEqual(['kernel', 'kernel-headers', 'kernel-core', 'kernel-devel', 'kernel-modules']);
    const r = await cli(['preflight', '--mirror', broken]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('KERNEL_VERSION 5.14.0-427.87.1.el9_4.aarch64: NOT READY');
    expect(r.stdout).toContain('UNRESOLVED elfutils-libelf-devel-0.190-2.el9.aarch64 (ubi9-appstream) requires elfutils-libelf = 0.190-2.el9');
    const ok = await cli(['preflight', '--mirror', SAMPLE_MIRROR]);
    expect(ok.code).toBe(0);
  });
});
