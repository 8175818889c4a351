/**
 * Parity with Debian's createrepo_c, judged by dnf: for every package, `dnf repoquery` over
 * our repodata and over createrepo_c's repodata of the same files prints the same NEVRA,
 * pkgid, location, sizes, times, text fields, every dependency kind, files and changelog.
 * Upstream extra metadata (groups, errata, modules) reads the same as in the input repo.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fg from 'fast-glob';
import { readPackage } from '../../scripts/formats/rpm/read-package.ts';
import { writeRepodata } from '../../scripts/formats/rpm/repodata/write-repodata.ts';
import { dnf, repoqueryAll } from '../helpers/dnf.ts';
import { run } from '../helpers/run.ts';
import { REAL_RPMS, ROOT, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { makeCorpus } from '../../scripts/bench/make-corpus.ts';
import { buildSampleSite, SAMPLE_REPOS } from '../helpers/sample-site.ts';

let work: string;
let site: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'airgap-parity-'));
  const built = await buildSampleSite();
  expect(built.result.code, built.result.stderr).toBe(0);
  site = built.out;
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(join(site, '..'), { recursive: true, force: true });
});

/** createrepo_c over a copy of `src` (timestamps kept, so file times agree). */
async function createrepoCopy(src: string, name: string): Promise<string> {
  const dir = join(work, name);
  await cp(src, dir, { recursive: true, preserveTimestamps: true });
  const r = await run('createrepo_c', ['--quiet', '--update', '--keep-all-metadata', dir]);
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

async function expectSameRepoquery(ours: string, theirs: string, arch: string) {
  const [a, b] = await Promise.all([repoqueryAll(ours, arch), repoqueryAll(theirs, arch)]);
  expect(a.scalars!.trim(), `dnf lists no package from ${ours}`).not.toBe('');
  for (const field of Object.keys(b)) expect(a[field], field).toBe(b[field]);
}

describe('third-party RPMs (createrepo_c test packages)', () => {
  it('our repodata and createrepo_c\'s give the same repoquery answers', async () => {
    const ours = join(work, 'real-ours');
    await cp(REAL_RPMS, ours, { recursive: true, preserveTimestamps: true });
    const files = (await fg('*.rpm', { cwd: ours })).sort();
    expect(files.length).toBeGreaterThanOrEqual(10);
    const packages = await Promise.all(files.map((f) => readPackage(join(ours, f), f)));
    await writeRepodata({ repoOutDir: ours, packages, revision: 1 });
    const theirs = await createrepoCopy(REAL_RPMS, 'real-theirs');
    await expectSameRepoquery(ours, theirs, 'x86_64');
    // dnf prints each NEVRA once: the four `empty-0-0.x86_64` files (unsigned, RSA, EdDSA, v6) share one
    const listed = (await dnf({ r: ours }, ['repoquery', '--qf', '%{name}-%{evr}.%{arch}'], { arch: 'x86_64' })).stdout.trim().split('\n');
    expect(listed).toHaveLength(9);
  });
});

describe('requires on the package\'s own provides (tests/fixtures/parity-specs)', () => {
  it('are dropped only when name, flags and version match, as createrepo_c does', async () => {
    const repo = join(work, 'selfprov');
    const top = join(work, 'selfprov-build');
    const b = await run('rpmbuild', ['--quiet', '-bb', '--define', `_topdir ${top}`, '--define', `_rpmdir ${repo}`,
      '--define', '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm', `${ROOT}tests/fixtures/parity-specs/self-provides.spec`]);
    expect(b.code, b.stderr).toBe(0);
    const [file] = await fg('*.rpm', { cwd: repo });
    const ours = join(work, 'selfprov-ours');
    await cp(repo, ours, { recursive: true, preserveTimestamps: true });
    await writeRepodata({ repoOutDir: ours, packages: [await readPackage(join(ours, file!), file!)], revision: 1 });
    await expectSameRepoquery(ours, await createrepoCopy(repo, 'selfprov-theirs'), 'x86_64');
    const requires = await dnf({ r: ours }, ['repoquery', '--requires', 'selfprov'], { arch: 'x86_64' });
    expect(requires.stdout.trim().split('\n').sort()).toEqual(['baz = 1', 'foo < 3', 'foo >= 1', 'selfprov']);
  });
});

describe('the realistic bench corpus (written by scripts/bench/rpm-writer.ts, not rpmbuild)', () => {
  it('our repodata and createrepo_c\'s give the same repoquery answers', async () => {
    const corpus = join(work, 'realistic');
    expect(await makeCorpus(corpus, 24, () => {}, { profile: 'realistic' })).toBe(24);
    const ours = join(work, 'realistic-ours');
    await cp(join(corpus, 'Packages'), ours, { recursive: true, preserveTimestamps: true });
    const files = (await fg('*.rpm', { cwd: ours })).sort();
    const packages = await Promise.all(files.map((f) => readPackage(join(ours, f), f)));
    expect(packages.flatMap((p) => p.digestProblems ?? [])).toEqual([]);
    await writeRepodata({ repoOutDir: ours, packages, revision: 1 });
    await expectSameRepoquery(ours, await createrepoCopy(join(corpus, 'Packages'), 'realistic-theirs'), 'x86_64');
  });
});

describe.each(SAMPLE_REPOS)('sample repo %s', (repo) => {
  it('gives the same repoquery answers as createrepo_c', async () => {
    const theirs = await createrepoCopy(join(SAMPLE_MIRROR, repo), repo.replace('/', '-'));
    await expectSameRepoquery(join(site, repo), theirs, 'aarch64');
  });
});

describe('upstream extra metadata of ubi9/appstream', () => {
  it.each([
    ['group list', ['group', 'list', '--hidden']],
    ['group info', ['group', 'info', 'development']],
    // `dnf updateinfo list` only lists errata for installed packages; these filters read the same updateinfo
    ['repoquery --advisory', ['repoquery', '--advisory', 'RHBA-2025:0001']],
    ['repoquery --bugfix', ['repoquery', '--bugfix', '--qf', '%{name}-%{evr}.%{arch}']],
    ['module list', ['module', 'list']],
  ])('dnf %s is the same from our repo as from the input repo', async (_name, args) => {
    const ours = await dnf({ r: join(site, 'ubi9/appstream') }, args, { arch: 'aarch64' });
    const input = await dnf({ r: join(SAMPLE_MIRROR, 'ubi9/appstream') }, args, { arch: 'aarch64' });
    expect(ours.code, ours.stderr).toBe(0);
    expect(ours.stdout.trim()).not.toBe('');
    expect(ours.stdout).toBe(input.stdout);
  });
});
