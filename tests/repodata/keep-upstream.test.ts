/**
 * `--repodata auto|keep`: a repo's own repodata is served verbatim when it describes exactly
 * the files on disk, regenerated (with a warning) when it does not, and kept anyway on request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { dnf } from '../helpers/dnf.ts';
import { run } from '../helpers/run.ts';
import { writeStandInRpm } from '../helpers/stand-in-rpm.ts';

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

  it.each(['sha512', 'sha1', 'sha256'])('auto compares %s package checksums, not only sizes: a same-size other package is caught',
    async (type) => {
      const mirror = join(base, `sum-${type}`), repo = join(mirror, 'r');
      const file = await writeStandInRpm(join(repo, 'Packages'), { name: 'tool', summary: 'first build' });
      const c = await run('createrepo_c', ['--quiet', '--checksum', type, repo]);
      expect(c.code, c.stderr).toBe(0);
      const build = (out: string) => cli(['build', '--mirror', mirror, '--out', join(base, out), '--repodata', 'auto', '--repodata-only']);
      const same = await build(`sum-${type}-same`);
      expect(same.code, same.stderr).toBe(0);
      expect(same.stderr).toBe('');
      const size = (await stat(file)).size;
      await writeStandInRpm(join(repo, 'Packages'), { name: 'tool', summary: 'other build' }); // same name, same size
      expect((await stat(file)).size).toBe(size);
      const r = await build(`sum-${type}-out`);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('upstream repodata was not reused as is: 1 packages differ in size or checksum '
        + '(e.g. Packages/tool-1.0-1.el9.noarch.rpm); regenerated from the packages [upstream-repodata-stale]');
      const q = await dnf({ r: join(base, `sum-${type}-out`, 'r') }, ['repoquery', '--qf', '%{summary}'], { arch: 'x86_64' });
      expect(q.stdout.trim()).toBe('other build');
    });

  it('damaged comps, updateinfo or modules files are one warning each naming the file; the build goes on', async () => {
    const repo = join(base, 'damaged/r');
    await writeStandInRpm(join(repo, 'Packages'), { name: 'tool' });
    expect((await run('createrepo_c', ['--quiet', repo])).code).toBe(0);
    const broken: [string, string, string][] = [['comps.xml', 'group', '<comps><group><id>x</id>'],
      ['updateinfo.xml', 'updateinfo', '<updates><update'], ['modules.yaml', 'modules', '---\ndocument: modulemd\ndata: [unclosed\n']];
    for (const [file, type, text] of broken) {
      await writeFile(join(base, file), text);
      const m = await run('modifyrepo_c', ['--mdtype', type, '--no-compress', join(base, file), join(repo, 'repodata')]);
      expect(m.code, m.stderr).toBe(0);
    }
    const r = await cli(['build', '--mirror', join(base, 'damaged'), '--out', join(base, 'damaged-out')]);
    expect(r.code, r.stderr).toBe(0);
    for (const type of ['group', 'updateinfo', 'modules']) {
      expect(r.stderr).toMatch(new RegExp(`^warning: r/repodata/[0-9a-f]+-\\w+\\.(xml|yaml): upstream ${type} metadata cannot be read \\(.+\\); `
        + 'served as it is, but the site shows none of its entries \\[upstream-metadata-unreadable\\]$', 'm'));
    }
    expect(await readFile(join(base, 'damaged-out/r/repodata/repomd.xml'), 'utf8')).toContain('<data type="updateinfo">');
  });
});
