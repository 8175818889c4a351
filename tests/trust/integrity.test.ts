/**
 * Integrity and trust, judged by rpm and dnf: damaged copies of real signed packages
 * (payload, header, signature) are caught and named while the rest of the repo builds, and
 * `rpm -K` agrees with every verdict; a repo signed with a key generated here (gpg) gets
 * gpgcheck=1 and dnf installs from it over nginx, while with a wrong key mirrored the build
 * says gpgcheck=0 and dnf refuses when forced to check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { run } from '../helpers/run.ts';
import { startNginx, type Nginx } from '../helpers/nginx.ts';
import { readPackage } from '../../scripts/formats/rpm/read-package.ts';
import { LEAD_BYTES } from '../../scripts/formats/rpm/read-package.ts';

const CUDA = join(SAMPLE_MIRROR, 'cuda-rhel9-aarch64');
const NOARCH = 'cuda-toolkit-config-common-12.4.127-1.noarch.rpm';
let base: string;
beforeAll(async () => { base = await mkdtemp(join(tmpdir(), 'airgap-trust-')); });
afterAll(async () => { await rm(base, { recursive: true, force: true }); });

/** Copy of `src` with one byte flipped at `at` (an offset or a function of the file's layout). */
async function damaged(src: string, dst: string, at: (layout: { headerStart: number; headerEnd: number; size: number }) => number) {
  const bytes = await readFile(src);
  const p = await readPackage(src, 'x');
  const i = at({ headerStart: p.headerStart, headerEnd: p.headerEnd, size: bytes.length });
  bytes[i] = bytes[i]! ^ 0xff;
  await writeFile(dst, bytes);
}

describe('damaged copies of signed packages', () => {
  let mirror: string, result: Awaited<ReturnType<typeof cli>>, rpmdb: string;
  beforeAll(async () => {
    mirror = join(base, 'm1');
    const repo = join(mirror, 'cuda');
    await mkdir(repo, { recursive: true });
    for (const f of await readdir(CUDA)) await copyFile(join(CUDA, f), join(repo, f));
    const src = join(CUDA, NOARCH);
    await damaged(src, join(repo, 'bad-payload.rpm'), (l) => l.headerEnd + Math.floor((l.size - l.headerEnd) / 2));
    await damaged(src, join(repo, 'bad-header.rpm'), (l) => l.headerEnd - 40);
    await damaged(src, join(repo, 'bad-signature.rpm'), () => LEAD_BYTES + 16 + 16 * 8 + 40);
    result = await cli(['build', '--mirror', mirror, '--out', join(base, 's1')]);
    rpmdb = join(base, 'rpmdb');
    await mkdir(rpmdb);
    expect((await run('rpm', ['--dbpath', rpmdb, '--import', join(repo, '4AC94EA0.pub')])).code).toBe(0);
  });

  it('each is named with what failed; the good packages build; exit 2', async () => {
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^error: cuda\/bad-payload\.rpm: digest check failed \(payload SHA256 does not match\).*\[rpm-digest-mismatch\]$/m);
    expect(result.stderr).toMatch(/^error: cuda\/bad-header\.rpm: digest check failed \(header SHA256, header SHA1 does not match\).*\[rpm-digest-mismatch\]$/m);
    expect(result.stderr).toMatch(/^error: cuda\/bad-signature\.rpm: signature by key 4f0f5f4f4ac94ea0 does not verify against the mirrored key.*\[rpm-bad-signature\]$/m);
    expect(result.stdout).toMatch(/Integrity: 7 packages checked \(digests and signatures\), 3 corrupted or badly signed, 4 signature-verified, 0 unsigned/);
    const primary = (await readdir(join(base, 's1/cuda'))).filter((f) => f.endsWith('.rpm')).sort();
    expect(primary).toEqual((await readdir(CUDA)).filter((f) => f.endsWith('.rpm')).sort());
    expect(await readFile(join(base, 's1/_site/repo-files/cuda.repo'), 'utf8')).toContain('gpgcheck=1\ngpgkey=');
  });

  it('rpm -K agrees with every verdict', async () => {
    for (const f of (await readdir(join(mirror, 'cuda'))).filter((x) => x.endsWith('.rpm'))) {
      const k = await run('rpm', ['--dbpath', rpmdb, '-K', join(mirror, 'cuda', f)]);
      const rpmOk = / digests signatures OK$/m.test(k.stdout);
      const oursOk = !result.stderr.includes(`cuda/${f}:`);
      expect(oursOk, `${f}: rpm says ${k.stdout.trim()}`).toBe(rpmOk);
    }
  });

  it('--keep-corrupt keeps them, flagged on their page; beside an intact copy of the same NEVRA, the intact one is kept', async () => {
    const r = await cli(['build', '--mirror', mirror, '--out', join(base, 's1k'), '--keep-corrupt', '--repo', 'cuda']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('kept and flagged (--keep-corrupt)');
    expect(r.stderr).toContain(`error: cuda/bad-payload.rpm: duplicate NEVRA cuda-toolkit-config-common-12.4.127-1.noarch: cuda/${NOARCH} is kept (it is intact); skipped`);
    expect(r.stderr).toContain('error: cuda/bad-header.rpm: duplicate NEVRA cuda-toolkit-config-common-12.4.127-1.noarch: cuda/bad-payload.rpm is kept (its signature verifies); skipped');
    // alone, a damaged copy is what the repo has: kept and flagged
    const alone = join(base, 'm1-alone/cuda');
    await mkdir(alone, { recursive: true });
    await copyFile(join(mirror, 'cuda/4AC94EA0.pub'), join(alone, '4AC94EA0.pub'));
    await copyFile(join(mirror, 'cuda/bad-payload.rpm'), join(alone, 'bad-payload.rpm'));
    const k = await cli(['build', '--mirror', join(base, 'm1-alone'), '--out', join(base, 's1a'), '--keep-corrupt']);
    expect(k.code).toBe(2);
    expect(k.stderr).toContain('kept and flagged (--keep-corrupt)');
    const page = await readFile(join(base, 's1a/_site/p/cuda/cuda-toolkit-config-common/index.html'), 'utf8');
    expect(page).toContain('data-corrupt');
  });
});

describe('a repo signed with a key generated in the test', () => {
  let server: Nginx, gnupg: string;
  const gpg = (args: string[]) => run('gpg', ['--homedir', gnupg, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args]);
  async function newKey(name: string): Promise<string> {
    expect((await gpg(['--quick-gen-key', `${name} <${name}@airgap-mirror.invalid>`, 'ed25519', 'sign', 'never'])).code).toBe(0);
    const list = await gpg(['--with-colons', '--list-keys', `${name}@airgap-mirror.invalid`]);
    return /^fpr:+([0-9A-F]+):/m.exec(list.stdout)![1]!;
  }
  async function signedRepo(dir: string, signer: string, mirroredKey: string) {
    await mkdir(join(dir, 'testrepo'), { recursive: true });
    const pkg = join(dir, 'testrepo', NOARCH);
    await copyFile(join(CUDA, NOARCH), pkg);
    expect((await run('rpmsign', ['--delsign', pkg])).code).toBe(0);
    const sign = await run('rpmsign', ['--addsign', '--define', `_gpg_name ${signer}`, '--define', '__gpg /usr/bin/gpg', '--define', `_gpg_path ${gnupg}`, '--define', '_gpg_sign_cmd_extra_args --pinentry-mode loopback --batch --passphrase ""', pkg]);
    expect(sign.code, sign.stderr).toBe(0);
    await writeFile(join(dir, 'testrepo', 'RPM-GPG-KEY-airgap-test'), (await gpg(['--armor', '--export', mirroredKey])).stdout);
  }
  beforeAll(async () => {
    gnupg = join(base, 'gnupg');
    await mkdir(gnupg, { mode: 0o700 });
    server = await startNginx(join(base, 'served'));
  });
  afterAll(async () => { await server?.stop(); });

  async function dnfInstall(reposdir: string) {
    const root = await mkdtemp(join(tmpdir(), 'airgap-root-'));
    const cache = await mkdtemp(join(tmpdir(), 'airgap-dnfc-'));
    const r = await run('dnf', ['-y', '--disableplugin=local', '--releasever', '9', `--setopt=reposdir=${reposdir}`, `--setopt=cachedir=${cache}`, '--installroot', root, 'install', 'cuda-toolkit-config-common']);
    const installed = await readFile(join(root, 'etc/ld.so.conf.d/cuda-toolkit.conf'), 'utf8').then(() => true, () => false);
    await rm(root, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
    return { ...r, installed };
  }

  it('gets gpgcheck=1 and dnf installs with it; with a wrong key mirrored, dnf refuses', async () => {
    const good = await newKey('signer');
    const other = await newKey('other');
    const served = join(base, 'served');
    // right key mirrored
    await signedRepo(join(base, 'm2'), good, good);
    const b = await cli(['build', '--mirror', join(base, 'm2'), '--out', served, '--base-url', server.url]);
    expect(b.code, b.stderr).toBe(0);
    const repoFile = await readFile(join(served, '_site/repo-files/testrepo.repo'), 'utf8');
    expect(repoFile).toBe(`[testrepo]\nname=testrepo\nbaseurl=${server.url}testrepo/\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=1\n`
      + `gpgkey=${server.url}testrepo/RPM-GPG-KEY-airgap-test ${server.url}_site/keys/site-key.pub.asc\n`);
    const rd = join(base, 'reposd-good');
    await mkdir(rd);
    await writeFile(join(rd, 'testrepo.repo'), repoFile);
    const ok = await dnfInstall(rd);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.installed).toBe(true);
    // wrong key mirrored: the build flags it and says gpgcheck=0; forcing gpgcheck=1 makes dnf refuse
    await rm(join(base, 'm3'), { recursive: true, force: true });
    await signedRepo(join(base, 'm3'), good, other);
    const w = await cli(['build', '--mirror', join(base, 'm3'), '--out', served, '--base-url', server.url]);
    expect(w.code).toBe(0);
    expect(w.stderr).toMatch(/1 packages are signed by keys that are not mirrored with this repo \([0-9a-f]{16}\).*\[unknown-signing-keys\]/);
    const wrongFile = await readFile(join(served, '_site/repo-files/testrepo.repo'), 'utf8');
    expect(wrongFile).toContain('gpgcheck=0');
    const rdw = join(base, 'reposd-wrong');
    await mkdir(rdw);
    await writeFile(join(rdw, 'testrepo.repo'), wrongFile.replace(/^gpgcheck=0$/m, 'gpgcheck=1')
      .replace(/^gpgkey=/m, `gpgkey=${server.url}testrepo/RPM-GPG-KEY-airgap-test `));
    const refused = await dnfInstall(rdw);
    expect(refused.code).not.toBe(0);
    expect(refused.installed).toBe(false);
    expect(refused.stdout + refused.stderr).toMatch(/GPG|public key/i);
  });

  it('mirrored key details match gpg', async () => {
    const dir = join(base, 'm2', 'testrepo');
    const { loadKeys } = await import('../../scripts/trust/mirror-keys.ts');
    const loaded = await loadKeys(dir, ['RPM-GPG-KEY-airgap-test']);
    const shown = await run('gpg', ['--with-colons', '--show-keys', join(dir, 'RPM-GPG-KEY-airgap-test')]);
    expect(loaded.keys[0]!.fingerprint.toUpperCase()).toBe(/^fpr:+([0-9A-F]+):/m.exec(shown.stdout)![1]);
    expect(loaded.keys[0]!.userIds).toEqual(['signer <signer@airgap-mirror.invalid>']);
    expect(loaded.keys[0]!.created).toBe(Number(/^pub:[^:]*:[^:]*:[^:]*:[^:]*:(\d+):/m.exec(shown.stdout)![1]));
  });
});
