/**
 * The generated .repo files and the repo-config ConfigMap, applied to dnf as an operator
 * would (`--setopt=reposdir=<dir with the files>`), give a working dnf against the sample
 * site served by nginx; repo lint passes them and catches the hand-typed mistakes of seed 000.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { startNginx, type Nginx } from '../helpers/nginx.ts';
import { run } from '../helpers/run.ts';
import { SAMPLE_REPOS } from '../helpers/sample-site.ts';

let base: string, out: string, server: Nginx;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-gen-'));
  out = join(base, 'dist');
  server = await startNginx(out);
  const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--base-url', server.url]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => {
  await server?.stop();
  await rm(base, { recursive: true, force: true });
});

/** dnf with only the .repo files in `reposdir`, as a node configured from them would run it. */
async function dnfWith(reposdir: string, args: string[]) {
  const cache = await mkdtemp(join(tmpdir(), 'airgap-dnfc-'));
  const installroot = await mkdtemp(join(tmpdir(), 'airgap-root-'));
  try {
    return await run('dnf', ['-y', '-q', '--disableplugin=local', '--releasever', '9', `--setopt=reposdir=${reposdir}`, `--setopt=cachedir=${cache}`, '--setopt=module_platform_id=platform:el9', '--installroot', installroot, ...args, '--forcearch', 'aarch64']);
  } finally {
    await rm(cache, { recursive: true, force: true });
    await rm(installroot, { recursive: true, force: true });
  }
}

async function expectWorkingDnf(reposdir: string) {
  const list = await dnfWith(reposdir, ['repoquery', '--qf', '%{repoid} %{name}-%{evr}.%{arch}']);
  expect(list.code, list.stderr).toBe(0);
  expect(new Set(list.stdout.trim().split('\n').map((l) => l.split(' ')[0]))).toEqual(new Set(SAMPLE_REPOS.map((r) => r.replace('/', '-'))));
  const dest = join(reposdir, '..', 'dl');
  const dl = await dnfWith(reposdir, ['download', '--resolve', '--destdir', dest, 'kernel-devel', 'cuda-toolkit-12-4']);
  expect(dl.code, dl.stderr).toBe(0);
  expect(await readdir(dest)).toEqual(expect.arrayContaining(['kernel-devel-5.14.0-427.87.1.el9_4.aarch64.rpm', 'cuda-nvcc-12-4-12.4.131-1.aarch64.rpm', 'elfutils-libelf-0.190-2.el9.aarch64.rpm']));
}

describe('generated .repo files', () => {
  it('repo-files --out-dir writes ubi.repo, cuda.repo, redhat.repo that dnf uses as they are', async () => {
    const dir = join(base, 'files', 'yum.repos.d');
    const r = await cli(['repo-files', '--site', out, '--out-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['cuda.repo', 'redhat.repo', 'ubi.repo']);
    await expectWorkingDnf(dir);
  });

  it('the repo-config ConfigMap carries the same files: its data, written out, works with dnf', async () => {
    const r = await cli(['repo-config', '--site', out, '--namespace', 'nvidia-network-operator']);
    expect(r.code, r.stderr).toBe(0);
    const cm = YAML.parse(r.stdout);
    expect(cm).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'repo-config', namespace: 'nvidia-network-operator' } });
    const dir = join(base, 'cm', 'yum.repos.d');
    await mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(cm.data as Record<string, string>)) await writeFile(join(dir, name), text);
    expect(cm.data['cuda.repo']).toContain(`gpgcheck=1\ngpgkey=${server.url}cuda-rhel9-aarch64/4AC94EA0.pub`);
    await expectWorkingDnf(dir);
    const cmd = await cli(['repo-config', '--site', out, '--format', 'command']);
    expect(cmd.stdout.trim()).toBe('oc create configmap repo-config -n nvidia-network-operator --from-file=cuda.repo --from-file=redhat.repo --from-file=ubi.repo');
  });
});

describe('repo lint', () => {
  it('passes the generated files', async () => {
    const dir = join(base, 'lint-ok');
    await cli(['repo-files', '--site', out, '--out-dir', dir]);
    const r = await cli(['repo-lint', join(dir, 'cuda.repo'), join(dir, 'redhat.repo'), join(dir, 'ubi.repo'), '--site', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/^error/m);
  });

  it('turns the hand-typed mistakes of seed 000 into errors', async () => {
    const u = server.url;
    const seed = join(base, 'seed000');
    await mkdir(seed, { recursive: true });
    await writeFile(join(seed, 'ubi.repo'), `[ubi-8-baseos]\nname = baseos\nbaseurl = ${u}ubi8/\nenabled = 1\ngpgcheck = 0\n[ubi-8-appstream]\nname = appstream\nbaseurl =  ${u}ubi8/\nenabled = 1\ngpgcheck = 0\n[ubi-9-baseos]\nname = baseos\nbaseurl = ${u}ubi9/baseos/\nenabled = 1\ngpgcheck = 0\n`);
    await writeFile(join(seed, 'cuda.repo'), `[cuda]\nname=cuda-rhel9-aarch64\nbaseurl=${u}\ngpgcheck=1\ngpgkey=${u}cuda-rhel9-aarch64/D42D0685.pub\nenabled=1\n[cuda]\nname=again\nbaseurl=${u}cuda-rhel9-aarch64/\ngpgcheck=0\n`);
    const r = await cli(['repo-lint', join(seed, 'ubi.repo'), join(seed, 'cuda.repo'), '--site', out]);
    expect(r.code).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error'));
    const ubi = join(seed, 'ubi.repo'), cuda = join(seed, 'cuda.repo');
    expect(errors).toEqual([
      `error: ${ubi}: [ubi-8-baseos] baseurl ${u}ubi8/ has no repodata/repomd.xml on this mirror`,
      `error: ${ubi}: [ubi-8-appstream] same baseurl as [ubi-8-baseos] (${u}ubi8/): two sections would be one repo`,
      `error: ${ubi}: [ubi-8-appstream] baseurl ${u}ubi8/ has no repodata/repomd.xml on this mirror`,
      `error: ${cuda}: [cuda] baseurl ${u} has no repodata/repomd.xml on this mirror`,
      `error: ${cuda}: [cuda] gpgkey ${u}cuda-rhel9-aarch64/D42D0685.pub does not exist on this mirror`,
      `error: ${cuda}: [cuda] section [cuda] appears more than once; dnf keeps only one`,
    ]);
    expect(r.stderr).toContain(`gpgkey ${u}cuda-rhel9-aarch64/D42D0685.pub does not exist on this mirror`);
    expect(r.stdout).toMatch(/2 files checked, \d+ errors/);
  });

  it('names inputs that are not .repo files instead of a stack trace or "0 errors"', async () => {
    const bin = join(base, 'binary.repo');
    await writeFile(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    await writeFile(join(base, 'prose.repo'), 'just some words\n');
    const missing = join(base, 'missing.repo');
    const r = await cli(['repo-lint', missing, base, bin, join(base, 'prose.repo'), '--site', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `error: ${missing}: cannot read it (ENOENT)`, `error: ${base}: not a regular file: give a .repo file`,
      `error: ${bin}: binary data: not a .repo file`, `error: ${join(base, 'prose.repo')}: no [section] header: not a .repo file`,
    ]);
    expect(r.stdout).toContain('4 files checked, 4 errors');
  });
});
