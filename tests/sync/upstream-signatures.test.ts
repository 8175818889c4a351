/**
 * sync verifies upstream before it uses it, as dnf on a node would: with repo_gpgcheck the
 * repomd.xml signature (made in the test with `gpg --detach-sign --armor`) against the repo's
 * gpgkey, before anything of the repo is written; with gpgcheck each package's signature before it
 * is renamed into place (rpmkeys agrees); a fetched key is pinned by fingerprint in the lockfile.
 * Upstream is served by nginx on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { startNginx, type Nginx } from '../helpers/nginx.ts';
import { run } from '../helpers/run.ts';
import { writeStandInRpm } from '../helpers/stand-in-rpm.ts';

let base: string, www: string, server: Nginx, gnupg: string;
const CUDA = join(SAMPLE_MIRROR, 'cuda-rhel9-aarch64');
const gpg = (args: string[]) => run('gpg', ['--homedir', gnupg, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args]);

async function must(p: Promise<{ code: number | null; stderr: string; stdout: string }>) {
  const r = await p;
  expect(r.code, r.stderr).toBe(0);
  return r;
}

/** An upstream repo `name` under www: the sample's signed CUDA packages (plus `extra` files), createrepo_c, repomd signed by `signer`. */
async function upstream(name: string, signer: string | undefined, extra: (dir: string) => Promise<unknown> = async () => {}) {
  const dir = join(www, name);
  await cp(CUDA, dir, { recursive: true });
  await extra(dir);
  await must(run('createrepo_c', ['--quiet', dir]));
  if (signer) await must(gpg(['--local-user', signer, '--detach-sign', '--armor', join(dir, 'repodata/repomd.xml')]));
}

async function newKey(name: string): Promise<string> {
  await must(gpg(['--quick-gen-key', `${name} <${name}@airgap-mirror.invalid>`, 'rsa3072', 'sign', 'never']));
  const fpr = /^fpr:+([0-9A-F]+):/m.exec((await gpg(['--with-colons', '--list-keys', `${name}@airgap-mirror.invalid`])).stdout)![1]!;
  await writeFile(join(www, `${name}.asc`), (await gpg(['--export', '--armor', fpr])).stdout);
  return fpr;
}

/** A sync config for repo `name` with the given checks and keys (URLs on the server). */
async function config(name: string, o: { repoGpgcheck?: boolean; gpgcheck?: boolean; keys: string[] }): Promise<string> {
  const file = join(base, `${name}.yaml`);
  await writeFile(file, `sync:\n  retries: 0\n  repos:\n    - id: ${name}\n      baseurl: ${server.url}${name}/\n`
    + `      repoGpgcheck: ${!!o.repoGpgcheck}\n      gpgcheck: ${!!o.gpgcheck}\n      gpgkey: ${JSON.stringify(o.keys.map((k) => `${server.url}${k}`))}\n`);
  return file;
}

let siteKey: string, otherKey: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-upsig-'));
  www = join(base, 'www');
  gnupg = join(base, 'gnupg');
  await mkdir(www);
  await mkdir(gnupg, { mode: 0o700 });
  server = await startNginx(www);
  siteKey = await newKey('upstream');
  otherKey = await newKey('stranger');
  await copyFile(join(CUDA, '4AC94EA0.pub'), join(www, 'packages.pub'));
  await upstream('good', siteKey);
  await copyFile(join(www, 'upstream.asc'), join(www, 'good/repodata/repomd.xml.key')); // as CUDA publishes its key
  await upstream('unsigned-repomd', undefined);
  await upstream('stranger', otherKey);
  await upstream('tampered', siteKey);
  const repomd = join(www, 'tampered/repodata/repomd.xml');
  await writeFile(repomd, (await readFile(repomd, 'utf8')).replace('<revision>', '<revision>1'));
  await upstream('unsigned-package', siteKey, (dir) => writeStandInRpm(dir, { name: 'intruder' }));
});
afterAll(async () => {
  await server?.stop();
  await rm(base, { recursive: true, force: true });
});

describe('upstream signatures in sync', () => {
  it('a repo signed with its gpgkey is synced, and the lockfile pins the keys by fingerprint', async () => {
    const cfg = await config('good', { repoGpgcheck: true, gpgcheck: true, keys: ['upstream.asc', 'packages.pub'] });
    const mirror = join(base, 'm-good');
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror, '--lock', join(base, 'good.lock.json')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await readdir(join(mirror, 'good'))).filter((f) => f.endsWith('.rpm'))).toHaveLength(4);
    const lock = JSON.parse(await readFile(join(base, 'good.lock.json'), 'utf8'));
    expect(lock.repos[0].keys.map((k: { fingerprint: string }) => k.fingerprint)).toContain(siteKey);
  });

  it('build --repodata auto serves the synced repo verbatim; its .repo checks upstream\'s signature, and dnf reads it', async () => {
    const site = join(base, 'site-auto');
    const b = await cli(['build', '--mirror', join(base, 'm-good'), '--out', site, '--repodata', 'auto', '--base-url', server.url]);
    expect(b.code, b.stderr).toBe(0);
    expect(await readFile(join(site, 'good/repodata/repomd.xml.asc'))).toEqual(await readFile(join(www, 'good/repodata/repomd.xml.asc')));
    const served = await startNginx(site);
    try {
      const files = join(base, 'auto-repos');
      expect((await cli(['repo-files', '--site', site, '--out-dir', files, '--base-url', served.url])).code).toBe(0);
      const [only] = await readdir(files); // one repo: one .repo file
      const text = await readFile(join(files, only!), 'utf8');
      expect(text).toContain('repo_gpgcheck=1');
      expect(text).toContain(`${served.url}good/repodata/repomd.xml.key`);
      const q = await run('dnf', ['-y', '-q', '--releasever', '9', `--setopt=reposdir=${files}`, `--setopt=cachedir=${join(base, 'auto-dnf')}`,
        '--noplugins', '--forcearch', 'aarch64', 'repoquery', '--qf', '%{name}']);
      expect(q.code, q.stderr).toBe(0);
      expect(q.stdout.trim().split('\n')).toHaveLength(4);
    } finally {
      await served.stop();
    }
  });

  it.each([
    ['tampered', /repomd\.xml\.asc does not verify with .*: the repomd\.xml served is not the one that was signed/],
    ['unsigned-repomd', /upstream has no .*unsigned-repomd\/repodata\/repomd\.xml\.asc: its repomd\.xml is unsigned/],
    ['stranger', /repomd\.xml\.asc was made by a key that is not among the repo's gpgkey/],
  ])('repo_gpgcheck refuses the %s repo before anything of it is written, exit 2', async (name, why) => {
    const mirror = join(base, `m-${name}`);
    const r = await cli(['sync', '--config', await config(name, { repoGpgcheck: true, keys: ['upstream.asc'] }), '--mirror', mirror]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error: ${server.url}${name}/repodata/repomd\\.xml: .*\\[sync-repo-signature\\]`, 'm'));
    expect(r.stderr).toMatch(why);
    const left = await readdir(join(mirror, name)).catch(() => [] as string[]);
    expect(left.filter((f) => f !== '.airgap-mirror-sync')).toEqual([]);
  });

  it('gpgcheck refuses an unsigned package before it is renamed into place; the others are kept; rpmkeys agrees', async () => {
    const mirror = join(base, 'm-pkg');
    const cfg = await config('unsigned-package', { repoGpgcheck: true, gpgcheck: true, keys: ['upstream.asc', 'packages.pub'] });
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*\/intruder-1\.0-1\.el9\.noarch\.rpm: the package is unsigned \(gpgcheck=1\); not kept \[sync-package-signature\]/m);
    const files = await readdir(join(mirror, 'unsigned-package'));
    expect(files.filter((f) => f.includes('intruder'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.rpm'))).toHaveLength(4);
    const db = join(base, 'rpmdb');
    await mkdir(db);
    await must(run('rpmkeys', ['--dbpath', db, '--import', join(www, 'packages.pub')]));
    for (const f of files.filter((x) => x.endsWith('.rpm'))) await must(run('rpmkeys', ['--dbpath', db, '--checksig', join(mirror, 'unsigned-package', f)]));
    const intruder = await run('rpmkeys', ['--dbpath', db, '--checksig', join(www, 'unsigned-package/intruder-1.0-1.el9.noarch.rpm')]);
    expect(intruder.stdout).not.toMatch(/signatures OK/);
  });

  it('a replay refuses a key that changed at its URL since the lockfile pinned it', async () => {
    const keyFile = join(www, 'upstream.asc');
    const saved = await readFile(keyFile);
    await copyFile(join(www, 'stranger.asc'), keyFile);
    try {
      const cfg = await config('good', { repoGpgcheck: true, gpgcheck: true, keys: ['upstream.asc', 'packages.pub'] });
      const r = await cli(['sync', '--config', cfg, '--mirror', join(base, 'm-replay'), '--from-lock', join(base, 'good.lock.json')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`gpgkey ${server.url}upstream\\.asc now gives the key ${otherKey}, which the lockfile does not pin.*\\[sync-upstream-key\\]`));
      await expect(stat(join(base, 'm-replay/good/cuda-nvcc-12-4-12.4.131-1.aarch64.rpm'))).rejects.toThrow();
    } finally {
      await writeFile(keyFile, saved);
    }
  });

  it('a .repo file\'s repo_gpgcheck, gpgcheck and gpgkey are taken as they are', async () => {
    const repoFile = join(base, 'upstream.repo');
    await writeFile(repoFile, `[tampered]\nbaseurl=${server.url}tampered/\nrepo_gpgcheck=1\ngpgcheck=1\n`
      + `gpgkey=${server.url}upstream.asc\n  ${server.url}packages.pub\n`);
    const r = await cli(['sync', '--repo-file', repoFile, '--mirror', join(base, 'm-repofile'), '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[sync-repo-signature]');
  });
});
