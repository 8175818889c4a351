/**
 * `--repodata auto|keep`: a repo's own repodata is served verbatim when it describes exactly
 * the files on disk, regenerated (with a warning) when it does not, and kept anyway on request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { dnf } from '../helpers/dnf.ts';

let base: string;
beforeAll(async () => { base = await mkdtemp(join(tmpdir(), 'airgap-keep-')); });
afterAll(async () => { await rm(base, { recursive: true, force: true }); });

const APPSTREAM = 'ubi9/appstream';
const repomd = (root: string) => readFile(join(root, APPSTREAM, 'repodata/repomd.xml'), 'utf8');
const names = async (root: string) => (await dnf({ r: join(root, APPSTREAM) }, ['repoquery', '--qf', '%{name}'], { arch: 'aarch64' })).stdout.trim().split('\n').sort();

describe('--repodata', () => {
  it('auto serves matching upstream repodata byte for byte, and regenerates repos without it', async () => {
    const out = join(base, 'auto');
    const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--repodata', 'auto']);
    expect(r.code, r.stderr).toBe(0);
    const files = (await readdir(join(SAMPLE_MIRROR, APPSTREAM, 'repodata'))).sort();
    expect((await readdir(join(out, APPSTREAM, 'repodata'))).sort()).toEqual(files);
    for (const f of files) expect((await readFile(join(out, APPSTREAM, 'repodata', f))).equals(await readFile(join(SAMPLE_MIRROR, APPSTREAM, 'repodata', f))), f).toBe(true);
    expect(await names(out)).toHaveLength(7);
    expect((await readdir(join(out, 'ubi9/baseos/repodata'))).some((f) => f.endsWith('-primary.xml.gz'))).toBe(true);
  });

  it('auto regenerates stale upstream repodata with a warning; keep keeps it', async () => {
    const mirror = join(base, 'stale');
    await cp(SAMPLE_MIRROR, mirror, { recursive: true, preserveTimestamps: true, filter: (s) => !s.endsWith('patch-2.7.6-13.el9.aarch64.rpm') });
    const a = await cli(['build', '--mirror', mirror, '--out', join(base, 'stale-auto'), '--repodata', 'auto']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/^warning: ubi9\/appstream\/repodata\/repomd\.xml: upstream repodata was not reused as is: 1 listed packages are not on disk \(e\.g\. Packages\/patch-2\.7\.6-13\.el9\.aarch64\.rpm\); regenerated from the packages \[upstream-repodata-stale\]$/m);
    expect(await repomd(join(base, 'stale-auto'))).not.toBe(await repomd(mirror));
    expect(await names(join(base, 'stale-auto'))).not.toContain('patch');
    const k = await cli(['build', '--mirror', mirror, '--out', join(base, 'stale-keep'), '--repodata', 'keep']);
    expect(k.stderr).toContain('kept anyway (--repodata keep)');
    expect(await repomd(join(base, 'stale-keep'))).toBe(await repomd(mirror));
  });
});
