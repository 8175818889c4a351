/**
 * Malicious bundles, crafted in the test with tar-stream: a delta whose changed and deleted
 * lists (and entries) climb out of the target with `../`, and a bundle with an absolute entry
 * and a symlink entry. `verify` names each unsafe path and fails; `apply` refuses before
 * anything is written or deleted: the target tree hashes the same, and the files planted
 * beside it as bait are untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { run } from '../helpers/run.ts';
import { treeHash } from '../helpers/tree-hash.ts';

let base: string, target: string, manifest: Buffer;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Writes a tar of `entries` (name, content or a link target, type) to `file`. */
async function craft(file: string, entries: { name: string; data?: string | Buffer; type?: 'file' | 'symlink'; linkname?: string }[]) {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) {
    await new Promise<void>((res, rej) => {
      if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname! }, (err) => (err ? rej(err) : res()));
      else pack.entry({ name: e.name, type: 'file' }, Buffer.from(e.data ?? ''), (err) => (err ? rej(err) : res()));
    });
  }
  pack.finalize();
  await done;
  await writeFile(file, Buffer.concat(chunks));
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-hostile-bundle-'));
  const site = join(base, 'site');
  expect((await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', site, '--repodata-only'])).code).toBe(0);
  expect((await cli(['bundle', '--site', site, '--out', join(base, 'full.tar')])).code).toBe(0);
  target = join(base, 'target');
  await mkdir(target);
  expect((await run('tar', ['-xf', join(base, 'full.tar'), '-C', target])).code).toBe(0);
  manifest = await readFile(join(target, 'airgap-mirror-manifest.json'));
  await writeFile(join(base, 'victim.txt'), 'must survive\n');
});
afterAll(async () => { await rm(base, { recursive: true, force: true }); });

describe('hostile bundles', () => {
  it('a delta whose lists and entries climb out of the target: verify names them, apply refuses and writes nothing', async () => {
    const planted = 'planted by the bundle\n';
    const delta = JSON.stringify({
      format: 'airgap-mirror-delta/1', baseManifest: sha(manifest), targetManifest: sha(manifest),
      changed: [{ path: 'site/../../planted.txt', size: planted.length, sha256: sha(planted) }],
      deleted: ['site/../../victim.txt'],
    });
    const file = join(base, 'climb.tar');
    await craft(file, [
      { name: 'airgap-mirror-delta.json', data: delta },
      { name: 'airgap-mirror-manifest.json', data: manifest },
      { name: 'site/../../planted.txt', data: planted },
    ]);
    const before = await treeHash(target);
    const v = await cli(['verify', file]);
    expect(v.code).not.toBe(0);
    expect(v.stderr).toContain('unsafe: "site/../../planted.txt": a path with an empty, . or .. segment');
    expect(v.stderr).toContain('unsafe: "site/../../victim.txt": a path with an empty, . or .. segment');
    const a = await cli(['apply', file, '--to', target]);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/names paths outside the tree; nothing applied: "site\/\.\.\/\.\.\/planted\.txt"/);
    expect(a.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(await readFile(join(base, 'victim.txt'), 'utf8')).toBe('must survive\n');
    await expect(stat(join(base, 'planted.txt'))).rejects.toThrow();
    expect(await treeHash(target)).toBe(before);
  });

  it('a delta listing only an unsafe deletion is refused before anything is deleted', async () => {
    const file = join(base, 'delete.tar');
    await craft(file, [
      { name: 'airgap-mirror-delta.json', data: JSON.stringify({ format: 'airgap-mirror-delta/1', baseManifest: sha(manifest),
        targetManifest: sha(manifest), changed: [], deleted: ['../victim.txt'] }) },
      { name: 'airgap-mirror-manifest.json', data: manifest },
    ]);
    const before = await treeHash(target);
    const a = await cli(['apply', file, '--to', target]);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('its delta lists paths outside site/; nothing applied: "../victim.txt"');
    expect(await readFile(join(base, 'victim.txt'), 'utf8')).toBe('must survive\n');
    expect(await treeHash(target)).toBe(before);
  });

  it('an absolute entry and a symlink entry are named by verify and refused by apply', async () => {
    const file = join(base, 'links.tar');
    const abs = join(base, 'absolute-planted.txt');
    await craft(file, [
      { name: 'airgap-mirror-manifest.json', data: manifest },
      { name: abs, data: 'x' },
      { name: 'site/escape', type: 'symlink', linkname: '/etc' },
    ]);
    const v = await cli(['verify', file]);
    expect(v.code).not.toBe(0);
    expect(v.stderr).toContain(`unsafe: ${JSON.stringify(abs)}: an absolute or empty path`);
    expect(v.stderr).toContain('unsafe: "site/escape": a symlink entry (airgap-mirror bundles hold files only)');
    const before = await treeHash(target);
    const a = await cli(['apply', file, '--to', target]);
    expect(a.code).toBe(1);
    await expect(stat(abs)).rejects.toThrow();
    expect(await treeHash(target)).toBe(before);
  });
});
