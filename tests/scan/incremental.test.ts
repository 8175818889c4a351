/**
 * Incremental indexing and worker threads: the cache (RPMs and .deb files alike) invalidates on
 * a changed size, a changed mtime, a file replaced by another of the same size, a deleted file
 * and a new file; the repodata is byte-identical whatever the worker count and cache state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, cp, mkdtemp, readdir, readFile, rename, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, REAL_RPMS, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { dnf } from '../helpers/dnf.ts';

let base: string, mirror: string, sourceDate: string;
const repo = () => join(mirror, 'ubi9/baseos/Packages');
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-incr-'));
  // one key for every build here, so their repomd.xml signatures can be compared byte for byte too
  expect((await cli(['key', 'create', '--out', join(base, 'key')])).code).toBe(0);
  sourceDate = String(Math.floor(Date.now() / 1000) + 1); // after the key was made (a package here gets a future mtime)
  mirror = join(base, 'mirror');
  await cp(SAMPLE_MIRROR, mirror, { recursive: true, preserveTimestamps: true });
});
afterAll(async () => { await rm(base, { recursive: true, force: true }); });

async function build(out: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const r = await cli(['build', '--mirror', mirror, '--out', join(base, out), '--repodata-only',
    '--signing-key', join(base, 'key/site-key.asc'), ...extra], { env: { SOURCE_DATE_EPOCH: sourceDate, ...env } });
  expect(r.code, r.stderr).toBe(0);
  return { hits: Number(/\((\d+) from the cache/.exec(r.stdout)![1]), threads: Number(/ on (\d+) threads? /.exec(r.stdout)![1]), stdout: r.stdout };
}
const names = async (out: string) => (await dnf({ r: join(base, out, 'ubi9/baseos') }, ['repoquery', '--qf', '%{name}-%{evr}'], { arch: 'aarch64' })).stdout.trim().split('\n').sort();

async function repodataBytes(out: string): Promise<Map<string, Buffer>> {
  const m = new Map<string, Buffer>();
  for (const r of ['ubi9/baseos', 'ubi9/appstream', 'cuda-rhel9-aarch64', 'rhocp-4.18-for-rhel-9-aarch64-rpms']) {
    for (const f of await readdir(join(base, out, r, 'repodata'))) m.set(`${r}/${f}`, await readFile(join(base, out, r, 'repodata', f)));
  }
  // and the apt index of the Ubuntu repo: Packages in all its forms, Contents, Release, InRelease
  const dists = join(base, out, 'ubuntu/jammy/dists');
  for (const f of await readdir(dists, { recursive: true })) {
    if (f.includes('by-hash') || !/(Packages|Contents|Release)/.test(f)) continue;
    m.set(`dists/${f}`, await readFile(join(dists, f)));
  }
  return m;
}

describe('incremental cache', () => {
  it('reuses every unchanged package and re-reads exactly the changed ones', async () => {
    expect((await build('site')).hits).toBe(0);
    expect((await build('site')).hits).toBe(32); // 25 RPMs and the 7 .deb files of the Ubuntu repo

    // changed mtime only
    await utimes(join(repo(), 'lsof-4.94.0-3.el9.aarch64.rpm'), new Date(), new Date(Date.now() + 5000));
    expect((await build('site')).hits).toBe(31);

    // replaced by another file of the same size (new inode)
    const f = join(repo(), 'coreutils-8.32-35.el9.aarch64.rpm');
    await copyFile(f, `${f}.new`);
    await rename(`${f}.new`, f);
    expect((await build('site')).hits).toBe(31);

    // changed size: a different package under the same name is re-read and shows up as itself
    const repodata = () => readdir(join(base, 'site/ubi9/baseos/repodata'));
    const named = async () => [...(await readFile(join(base, 'site/ubi9/baseos/repodata/repomd.xml'), 'utf8'))
      .matchAll(/href="repodata\/([^"]+)"/g)].map((m) => m[1]!);
    const before = await named();
    await copyFile(join(REAL_RPMS, 'fake_bash-1.1.1-1.x86_64.rpm'), join(repo(), 'hostname-3.23-6.el9.aarch64.rpm'));
    expect((await build('site')).hits).toBe(31);
    // the replaced repomd.xml's files stay one build (createrepo_c's --retain-old-md 1), for dnf mid-update
    const after = await repodata();
    expect(before.every((f) => after.includes(f))).toBe(true);
    expect((await named()).some((f) => before.includes(f))).toBe(false); // the new repomd.xml names only its own
    expect(after.filter((f) => f.endsWith('-primary.xml.gz'))).toHaveLength(2);
    expect(await names('site')).toContain('fake_bash-1.1.1-1');
    expect(await names('site')).not.toContain('hostname-3.23-6.el9');

    // deleted file and new file
    await rm(join(repo(), 'libpcap-1.10.0-4.el9.aarch64.rpm'));
    await copyFile(join(REAL_RPMS, 'Rimmer-1.0.2-2.x86_64.rpm'), join(repo(), 'Rimmer-1.0.2-2.x86_64.rpm'));
    expect((await build('site')).hits).toBe(31); // 31 unchanged; the new one is read
    expect((await repodata()).filter((f) => before.includes(f))).toEqual([]); // two builds back: gone
    const now = await names('site');
    expect(now).toContain('Rimmer-1.0.2-2');
    expect(now).not.toContain('libpcap-14:1.10.0-4.el9');
  });

  it('gives byte-identical repodata whatever the worker count and cache state', async () => {
    expect((await build('w1', ['--workers', '1', '--no-cache'])).threads).toBe(1);
    // the sample is below the threads' threshold: lower it so the packages go through them
    expect((await build('w2', ['--workers', '2'], { AIRGAP_MIRROR_THREADS_FROM_READS: '1' })).threads).toBe(2);
    expect((await build('w2', ['--workers', '2'])).threads).toBe(1); // warm cache: nothing to read
    // few packages but many bytes (threshold lowered to the sample's size) also use the threads
    expect((await build('bytes', ['--workers', '2', '--no-cache'], { AIRGAP_MIRROR_THREADS_FROM_BYTES: '1' })).threads).toBe(2);
    expect((await build('count', ['--workers', '2', '--no-cache'])).threads).toBe(1);
    const a = await repodataBytes('w1');
    expect([...a.keys()].filter((k) => k.startsWith('dists/')).sort()).toEqual(['dists/stable/InRelease',
      'dists/stable/Release', 'dists/stable/Release.gpg', 'dists/stable/main/Contents-amd64.gz',
      'dists/stable/main/binary-amd64/Packages', 'dists/stable/main/binary-amd64/Packages.gz',
      'dists/stable/main/binary-amd64/Packages.xz']);
    for (const out of ['w2', 'bytes', 'count']) {
      const b = await repodataBytes(out);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [k, v] of a) expect(v.equals(b.get(k)!), `${out}: ${k}`).toBe(true);
    }
  });
});
