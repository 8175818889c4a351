/**
 * Signed bundles: `bundle` signs with the site key the build made beside --site (the manifest and
 * delta list inside, the checksum file beside); gpgv accepts every signature; `verify --key` and
 * `apply --key` refuse a bundle whose signature is missing, bad or made by another key, among them
 * one whose manifest and files an attacker rewrote consistently (caught only by the signature);
 * without --key, verify says who signed it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { run } from '../helpers/run.ts';
import { treeHash } from '../helpers/tree-hash.ts';

let base: string, site: string, fingerprint: string, pub: string;
const dir = (n: string) => join(base, n);
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-signed-bundle-'));
  site = dir('site');
  const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', site, '--repodata-only', '--repo', 'ubi8/baseos']);
  expect(r.code, r.stderr).toBe(0);
  fingerprint = /with a new site key ([0-9A-F]{40})/.exec(r.stdout)![1]!;
  pub = join(base, '.site.site-key/site-key.pub.asc');
  const b = await cli(['bundle', '--site', site, '--out', dir('full.tar')]);
  expect(b.code, b.stderr).toBe(0);
  expect(b.stdout).toContain(`Signed by ${fingerprint}`);
});
afterAll(() => rm(base, { recursive: true, force: true }));

async function must(cmd: string, args: string[], cwd?: string) {
  const r = await run(cmd, args, cwd ? { cwd } : {});
  expect(r.code, `${cmd} ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

/** gpgv of `file.asc` over `file` with the site's public key. */
async function gpgv(file: string) {
  await must('gpg', ['--batch', '--yes', '--dearmor', '--output', dir('ring.gpg'), pub]);
  return run('gpgv', ['--keyring', dir('ring.gpg'), `${file}.asc`, file]);
}

describe('signed bundles', () => {
  it('every signature verifies with gpgv; verify says who signed without --key and checks with it', async () => {
    expect((await gpgv(dir('full.tar.sha256'))).code).toBe(0);
    await mkdir(dir('x'));
    await must('tar', ['-xf', dir('full.tar'), '-C', dir('x')]);
    expect((await gpgv(join(dir('x'), 'airgap-mirror-manifest.json'))).code).toBe(0);
    const plain = await cli(['verify', dir('full.tar')]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain(`airgap-mirror-manifest.json: signed by ${fingerprint}, not checked (give --key PUB to check it)`);
    const checked = await cli(['verify', dir('full.tar'), '--key', pub]);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toContain(`${dir('full.tar.sha256')}: signed by ${fingerprint}, checked`);
    expect(checked.stdout).toContain(`airgap-mirror-manifest.json: signed by ${fingerprint}, checked`);
    const tree = await cli(['verify', dir('x'), '--key', pub]);
    expect(tree.code, tree.stderr).toBe(0);
  });

  it('a bundle whose files, manifest and checksums an attacker rewrote consistently is caught only by the signature', async () => {
    const evil = dir('evil');
    await cp(dir('x'), evil, { recursive: true });
    const repomd = 'site/ubi8/baseos/repodata/repomd.xml';
    await writeFile(join(evil, repomd), (await readFile(join(evil, repomd), 'utf8')).replace('<revision>', '<revision>9'));
    const manifest = JSON.parse(await readFile(join(evil, 'airgap-mirror-manifest.json'), 'utf8'));
    const sha = (await must('sha256sum', [join(evil, repomd)])).stdout.split(' ')[0];
    const size = (await readFile(join(evil, repomd))).length;
    manifest.files = manifest.files.map((f: { path: string }) => (f.path === repomd ? { ...f, sha256: sha, size } : f));
    await writeFile(join(evil, 'airgap-mirror-manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
    const sums = (await must('sha256sum', manifest.files.map((f: { path: string }) => f.path), evil)).stdout;
    await writeFile(join(evil, 'SHA256SUMS'), sums);
    // files only, as airgap-mirror writes them (a bundle with directory entries is refused outright)
    const list = [...manifest.files.map((f: { path: string }) => f.path), 'airgap-mirror-manifest.json',
      'airgap-mirror-manifest.json.asc', 'SHA256SUMS'];
    await writeFile(dir('evil.list'), list.join('\n') + '\n');
    await must('tar', ['-cf', dir('evil.tar'), '-C', evil, '--no-recursion', '-T', dir('evil.list')]);
    await writeFile(dir('evil.tar.sha256'), `${(await must('sha256sum', [dir('evil.tar')])).stdout.split(' ')[0]}  evil.tar\n`);
    await copyFile(dir('full.tar.sha256.asc'), dir('evil.tar.sha256.asc'));
    const blind = await cli(['verify', dir('evil.tar')]);
    expect(blind.code, 'consistent to the checksums alone').toBe(0);
    const r = await cli(['verify', dir('evil.tar'), '--key', pub]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`signature: ${dir('evil.tar.sha256')}: the signature does not match: the signed file was changed after it was signed by ${fingerprint}`);
    await rm(dir('evil.tar.sha256.asc'));
    await rm(dir('evil.tar.sha256'));
    const inner = await cli(['verify', dir('evil.tar'), '--key', pub]);
    expect(inner.code).toBe(2);
    expect(inner.stderr).toContain(`signature: ${dir('evil.tar.sha256')} is missing, so its signature cannot be checked`);
    const tree = await cli(['verify', evil, '--key', pub]);
    expect(tree.code).toBe(2);
    expect(tree.stderr).toContain('signature: airgap-mirror-manifest.json: the signature does not match');
  });

  it('another key, and an unsigned bundle, are refused with --key', async () => {
    expect((await cli(['key', 'create', '--out', dir('other')])).code).toBe(0);
    const other = await cli(['verify', dir('full.tar'), '--key', join(dir('other'), 'site-key.pub.asc')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(new RegExp(`signature: .*full\\.tar\\.sha256: signed by another key \\(${fingerprint}\\), not by [0-9A-F]{40}`));
    const u = await cli(['bundle', '--site', site, '--out', dir('unsigned.tar'), '--no-sign']);
    expect(u.stdout).toContain('Unsigned');
    const plain = await cli(['verify', dir('unsigned.tar')]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('airgap-mirror-manifest.json: unsigned');
    const keyed = await cli(['verify', dir('unsigned.tar'), '--key', pub]);
    expect(keyed.code).toBe(2);
    expect(keyed.stderr).toContain(`signature: ${dir('unsigned.tar.sha256')}: no signature`);
  });

  it('apply --key refuses a delta signed by another key or unsigned before writing anything, and applies a signed one', async () => {
    await mkdir(dir('target'));
    await must('tar', ['-xf', dir('full.tar'), '-C', dir('target')]);
    const v2 = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', site, '--repodata-only', '--repo', 'ubi8/baseos', '--repo', 'ubi8/appstream']);
    expect(v2.code, v2.stderr).toBe(0);
    const since = join(dir('target'), 'airgap-mirror-manifest.json');
    expect((await cli(['bundle', '--site', site, '--out', dir('delta.tar'), '--since', since])).code).toBe(0);
    expect((await cli(['bundle', '--site', site, '--out', dir('delta-other.tar'), '--since', since,
      '--signing-key', join(dir('other'), 'site-key.asc')])).code).toBe(0);
    expect((await cli(['bundle', '--site', site, '--out', dir('delta-unsigned.tar'), '--since', since, '--no-sign'])).code).toBe(0);
    const before = await treeHash(dir('target'));
    for (const [bundle, why] of [['delta-other.tar', 'signed by another key'], ['delta-unsigned.tar', 'no signature']] as const) {
      const r = await cli(['apply', dir(bundle), '--to', dir('target'), '--key', pub]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${dir(bundle)}: nothing applied: ${dir(bundle)}.sha256: ${why}`);
      expect(await treeHash(dir('target'))).toBe(before);
    }
    const ok = await cli(['apply', dir('delta.tar'), '--to', dir('target'), '--key', pub]);
    expect(ok.code, ok.stderr).toBe(0);
    const after = await cli(['verify', dir('target'), '--key', pub]);
    expect(after.code, after.stderr).toBe(0);
  });
});
