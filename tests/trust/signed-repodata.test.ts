/**
 * Signed metadata by default: every repomd.xml the build writes is signed by the site key (made
 * by the first build beside --out, reused by later ones, never inside the site), gpgv verifies
 * each signature, and real dnf with the generated .repo files (repo_gpgcheck=1) reads the site over
 * nginx and refuses it once a byte of repomd.xml changes. `key create`, passphrases, a key exported
 * by gpg, and --no-sign.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fg from 'fast-glob';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { startNginx, type Nginx } from '../helpers/nginx.ts';
import { run } from '../helpers/run.ts';
import cdx from '@cyclonedx/cyclonedx-library';

let base: string, out: string, fingerprint: string;
const servers: Nginx[] = [];
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-signed-'));
  out = join(base, 'site');
  const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  fingerprint = /with a new site key ([0-9A-F]{40})/.exec(r.stdout)![1]!;
});
afterAll(async () => {
  for (const s of servers) await s.stop();
  await rm(base, { recursive: true, force: true });
});

/** gpgv of `file.asc` over `file` with the armored public key `key`; the run result. */
async function gpgv(key: string, file: string) {
  const ring = join(base, `ring-${Math.random().toString(36).slice(2)}.gpg`);
  const d = await run('gpg', ['--batch', '--yes', '--dearmor', '--output', ring, key]);
  expect(d.code, d.stderr).toBe(0);
  return run('gpgv', ['--keyring', ring, `${file}.asc`, file]);
}

/** dnf over every repo of the .repo files `repo-files` writes for `site` served at `url`; the run result. */
async function dnfThroughRepoFiles(site: string, url: string, name: string) {
  const files = join(base, `${name}-repos`);
  const g = await cli(['repo-files', '--site', site, '--out-dir', files, '--base-url', url]);
  expect(g.code, g.stderr).toBe(0);
  return run('dnf', ['-y', '-q', '--releasever', '9', `--setopt=reposdir=${files}`, `--setopt=cachedir=${join(base, `${name}-cache`)}`,
    '--setopt=skip_if_unavailable=False', '--noplugins', '--forcearch', 'aarch64', 'repoquery', '--qf', '%{repoid} %{name}']);
}

describe('signed repodata', () => {
  it('the first build makes a site key beside --out, private part 0600 and never in the site', async () => {
    const keyDir = join(base, '.site.site-key');
    expect(((await stat(join(keyDir, 'site-key.asc'))).mode & 0o777).toString(8)).toBe('600');
    expect(((await stat(keyDir)).mode & 0o777).toString(8)).toBe('700');
    const inSite = await fg('**/*', { cwd: out, dot: true });
    for (const f of inSite) expect(await readFile(join(out, f), 'latin1').then((t) => t.includes('PRIVATE KEY')), f).toBe(false);
    expect(inSite).toContain('_site/keys/site-key.pub.asc');
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain(fingerprint);
  });

  it('gpgv verifies every repomd.xml signature against the published key', async () => {
    const signed = await fg('**/repodata/repomd.xml', { cwd: out });
    expect(signed.length).toBe(6);
    for (const f of signed) {
      const r = await gpgv(join(out, '_site/keys/site-key.pub.asc'), join(out, f));
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toContain(`using RSA key ${fingerprint}`);
      expect(await readFile(join(out, f, '../repomd.xml.key'), 'utf8')).toBe(await readFile(join(out, '_site/keys/site-key.pub.asc'), 'utf8'));
    }
  });

  it('dnf with the generated .repo files (repo_gpgcheck=1) reads every repo, and refuses a changed repomd.xml', async () => {
    const server = await startNginx(out);
    servers.push(server);
    const good = await dnfThroughRepoFiles(out, server.url, 'good');
    expect(good.code, good.stderr).toBe(0);
    expect(new Set(good.stdout.trim().split('\n').map((l) => l.split(' ')[0])).size).toBe(6);
    const repoText = await readFile(join(base, 'good-repos/ubi.repo'), 'utf8');
    expect(repoText).toContain('repo_gpgcheck=1');
    expect(repoText).toContain(`gpgkey=${server.url}_site/keys/site-key.pub.asc`);

    const tampered = join(base, 'tampered');
    await cp(await realpath(out), tampered, { recursive: true });
    const repomd = join(tampered, 'ubi9/baseos/repodata/repomd.xml');
    const text = await readFile(repomd, 'utf8');
    await writeFile(repomd, text.replace('<revision>', '<revision> '));
    const evil = await startNginx(tampered);
    servers.push(evil);
    const bad = await dnfThroughRepoFiles(tampered, evil.url, 'bad');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/repomd\.xml GPG signature verification error: Bad GPG signature/);
  });

  it('a rebuild reuses the key, so the nodes\' trust survives; --no-sign writes none and says repo_gpgcheck=0', async () => {
    const again = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`with the key ${fingerprint}`);
    const unsigned = join(base, 'unsigned');
    const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', unsigned, '--no-sign', '--repodata-only']);
    expect(r.code, r.stderr).toBe(0);
    expect(await fg('**/repomd.xml.asc', { cwd: unsigned })).toEqual([]);
    expect(await readdir(base)).not.toContain('.unsigned.site-key');
    const files = await cli(['repo-files', '--site', unsigned]);
    expect(files.stdout.match(/^repo_gpgcheck=0$/gm)).toHaveLength(6);
    expect(files.stdout).not.toContain('repo_gpgcheck=1');
  });

  it('key create with a passphrase file; build takes it with the passphrase from the environment; a wrong one is one line', async () => {
    const keys = join(base, 'keys'), pass = join(base, 'pass.txt');
    await writeFile(pass, 'correct horse\n');
    const made = await cli(['key', 'create', '--out', keys, '--passphrase-file', pass]);
    expect(made.code, made.stderr).toBe(0);
    const fpr = /fingerprint ([0-9A-F]{40})/.exec(made.stdout)![1]!;
    expect(await readFile(join(keys, 'site-key.asc'), 'utf8')).toContain('BEGIN PGP PRIVATE KEY BLOCK');
    const again = await cli(['key', 'create', '--out', keys]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`airgap-mirror: ${join(keys, 'site-key.asc')} exists; a key is never overwritten (move it away first, or choose another --out)`);
    const site = join(base, 'with-key');
    const args = ['build', '--mirror', SAMPLE_MIRROR, '--out', site, '--repo', 'ubi8/baseos', '--repodata-only',
      '--signing-key', join(keys, 'site-key.asc')];
    const none = await cli(args);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('the key is protected by a passphrase: give it with --passphrase-file FILE or AIRGAP_MIRROR_KEY_PASSPHRASE');
    const wrong = await cli(args, { env: { AIRGAP_MIRROR_KEY_PASSPHRASE: 'wrong' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toBe(`airgap-mirror: ${join(keys, 'site-key.asc')}: the passphrase does not unlock this key`);
    const ok = await cli(args, { env: { AIRGAP_MIRROR_KEY_PASSPHRASE: 'correct horse' } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`with the key ${fpr}`);
    const v = await gpgv(join(keys, 'site-key.pub.asc'), join(site, 'ubi8/baseos/repodata/repomd.xml'));
    expect(v.code, v.stderr).toBe(0);
  });

  it('a key exported by gpg --export-secret-keys --armor signs, and gpg verifies with its own public key', async () => {
    const home = join(base, 'gnupg');
    await mkdir(home, { mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: home };
    const gen = await run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Site Ops <ops@example.invalid>', 'rsa3072', 'sign', 'never'], { env });
    expect(gen.code, gen.stderr).toBe(0);
    const sec = await run('gpg', ['--batch', '--export-secret-keys', '--armor'], { env });
    await writeFile(join(base, 'gpg-secret.asc'), sec.stdout);
    const site = join(base, 'gpg-signed');
    const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', site, '--repo', 'ubi8/baseos', '--repodata-only',
      '--signing-key', join(base, 'gpg-secret.asc')]);
    expect(r.code, r.stderr).toBe(0);
    const repomd = join(site, 'ubi8/baseos/repodata/repomd.xml');
    const v = await run('gpg', ['--batch', '--verify', `${repomd}.asc`, repomd], { env });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toContain('Good signature from "Site Ops <ops@example.invalid>"');
  });
});

describe('the SBOM', () => {
  it('is CycloneDX 1.6 the CycloneDX library validates: one component per package file, grouped by repo', async () => {
    const text = await readFile(join(out, '_site/sbom.cdx.json'), 'utf8');
    const validator = new cdx.Validation.JsonValidator(cdx.Spec.Version.v1dot6);
    expect(await validator.validate(text)).toBeNull();
    const bom = JSON.parse(text) as { specVersion: string; components: { name: string; properties: { name: string; value: string }[];
      components: { name: string; version: string; purl: string; hashes: { alg: string; content: string }[];
        licenses: ({ expression: string } | { license: { id?: string; name?: string } })[]; supplier?: { name: string } }[] }[] };
    expect(bom.specVersion).toBe('1.6');
    expect(bom.components.map((r) => r.name).sort()).toEqual(['cuda-rhel9-aarch64', 'rhocp-4.18-for-rhel-9-aarch64-rpms',
      'ubi8-appstream', 'ubi8-baseos', 'ubi9-appstream', 'ubi9-baseos']);
    const all = bom.components.flatMap((r) => r.components);
    expect(all).toHaveLength(25);
    const rhocp = bom.components.find((r) => r.name === 'rhocp-4.18-for-rhel-9-aarch64-rpms')!;
    expect(rhocp.properties).toContainEqual({ name: 'airgap-mirror:baseurl', value: 'http://mirror-host/rhocp-4.18-for-rhel-9-aarch64-rpms/' });
    const kernel = rhocp.components.find((c) => c.name === 'kernel')!;
    const file = join(SAMPLE_MIRROR, 'rhocp-4.18-for-rhel-9-aarch64-rpms/Packages/kernel-5.14.0-427.87.1.el9_4.aarch64.rpm');
    const q = await run('rpm', ['-qp', '--qf', '%{vendor}\n%{license}', file]);
    const [vendor, license] = q.stdout.split('\n');
    expect(kernel.version).toBe('5.14.0-427.87.1.el9_4');
    expect(kernel.purl).toMatch(/^pkg:rpm\/[a-z0-9]+\/kernel@5\.14\.0-427\.87\.1\.el9_4\?arch=aarch64$/);
    expect(kernel.hashes).toEqual([{ alg: 'SHA-256', content: (await run('sha256sum', [file])).stdout.split(' ')[0] }]);
    expect(kernel.supplier).toEqual({ name: vendor });
    expect(JSON.stringify(kernel.licenses)).toContain(JSON.stringify(license).slice(1, -1));
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain('href="_site/sbom.cdx.json"');
  });
});

