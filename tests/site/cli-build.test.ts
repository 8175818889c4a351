/**
 * The build command as a user meets it: help, choosing repos, config file, base URL,
 * refusing unsafe output paths, atomic replacement when killed (a linked --out switched with
 * one rename), path collisions, and
 * byte-stable output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ROOT, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { treeHash } from '../helpers/tree-hash.ts';
import { startNginx } from '../helpers/nginx.ts';
import { run } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait-for.ts';

let base: string;
beforeAll(async () => { base = await mkdtemp(join(tmpdir(), 'airgap-cli-')); });
afterAll(async () => { await rm(base, { recursive: true, force: true }); });
const dir = (name: string) => join(base, name);

describe('airgap-mirror --help', () => {
  it('describes the build command, its options and exit codes', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/build \[options\]/);
    const build = await cli(['build', '--help']);
    for (const opt of ['--mirror', '--out', '--repo', '--base-url', '--config']) expect(build.stdout).toContain(opt);
    expect(build.stdout).toContain('Exit codes: 0');
  });

  it('rejects a missing required option with exit 1', async () => {
    const r = await cli(['build', '--mirror', SAMPLE_MIRROR]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--out/);
  });

  it('an unknown command or option is one error line and a one-line hint, exit 1', async () => {
    for (const args of [['frobnicate'], ['build', '--bogus', '--mirror', SAMPLE_MIRROR, '--out', dir('x')]]) {
      const r = await cli(args);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: unknown (command 'frobnicate'|option '--bogus')$/),
        '(airgap-mirror help <command> lists its options)']);
    }
  });
});

describe('choosing repos', () => {
  it('--repo PATH=ID indexes only the named repos under those ids', async () => {
    const out = dir('two');
    const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--repo', 'ubi9/baseos=ubi-9-baseos', '--repo', 'cuda-rhel9-aarch64', '--base-url', 'http://infra.server.lab:5443']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 repos, 10 packages/);
    const home = await readFile(join(out, 'index.html'), 'utf8');
    expect(home).toContain('[ubi-9-baseos]');
    expect(home).toContain('baseurl=http://infra.server.lab:5443/ubi9/baseos/');
    expect(home).not.toContain('ubi8');
    await expect(stat(join(out, 'ubi8'))).rejects.toThrow();
  });

  it('--repo walks only the named repos: problems elsewhere in the tree are neither read nor reported', async () => {
    const mirror = dir('scoped-mirror');
    await mkdir(join(mirror, 'good/Packages'), { recursive: true });
    await copyFile(join(SAMPLE_MIRROR, 'ubi8/baseos/Packages/hostname-3.23-6.el8.aarch64.rpm'), join(mirror, 'good/Packages/hostname-3.23-6.el8.aarch64.rpm'));
    await mkdir(join(mirror, 'other/Packages'), { recursive: true });
    await symlink('loop-b.rpm', join(mirror, 'other/Packages/loop-a.rpm'));
    await symlink('loop-a.rpm', join(mirror, 'other/Packages/loop-b.rpm'));
    await writeFile(join(mirror, 'other/Packages/fake-1-1.noarch.rpm'), 'not a package');
    const whole = await cli(['build', '--mirror', mirror, '--out', dir('scoped-all')]);
    expect(whole.stderr).toContain('other/Packages/loop-a.rpm');
    const r = await cli(['build', '--mirror', mirror, '--out', dir('scoped'), '--repo', 'good']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/1 repos, 1 packages/);
  });

  it('--config supplies repos and base URL; --base-url wins over it', async () => {
    const config = dir('config.yaml');
    await writeFile(config, 'baseUrl: http://from-config.lab/mirror/\nrepos:\n  - path: ubi8/baseos\n    id: ubi-8-baseos\n    name: UBI 8 BaseOS\n');
    const a = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', dir('cfg-a'), '--config', config]);
    expect(a.code, a.stderr).toBe(0);
    const homeA = await readFile(join(dir('cfg-a'), 'index.html'), 'utf8');
    expect(homeA).toContain('[ubi-8-baseos]\nname=UBI 8 BaseOS\nbaseurl=http://from-config.lab/mirror/ubi8/baseos/');
    const b = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', dir('cfg-b'), '--config', config, '--base-url', 'http://cli.lab/']);
    expect(await readFile(join(dir('cfg-b'), 'index.html'), 'utf8')).toContain('baseurl=http://cli.lab/ubi8/baseos/');
    expect(b.code).toBe(0);
  });

  it('names a bad config file and a --repo that is not in the mirror', async () => {
    await writeFile(dir('bad.yaml'), 'repos: [ {id: x} ]\n');
    const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', dir('bad'), '--config', dir('bad.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${dir('bad.yaml')}: repos[0].path: Invalid input: expected string, received undefined`);
    const s = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', dir('bad'), '--repo', 'no/such/repo']);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain('--repo no/such/repo: not found in the mirror');
  });
});

describe('output safety', () => {
  it('refuses --out inside the mirror and leaves the mirror untouched', async () => {
    const before = await treeHash(SAMPLE_MIRROR);
    const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', join(SAMPLE_MIRROR, 'site')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is inside the mirror');
    expect(await treeHash(SAMPLE_MIRROR)).toBe(before);
  });

  it('refuses --out reached through a link into the mirror, --out naming a file, and a --repo outside the mirror', async () => {
    const before = await treeHash(SAMPLE_MIRROR);
    await symlink(join(SAMPLE_MIRROR, 'ubi9'), dir('link-into-mirror'));
    const viaLink = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', join(dir('link-into-mirror'), 'site')]);
    expect(viaLink.code).toBe(1);
    expect(viaLink.stderr).toContain('is inside the mirror');
    await writeFile(dir('a-file'), 'keep\n');
    const file = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', dir('a-file')]);
    expect(file.code).toBe(1);
    expect(file.stderr).toContain(`--out ${dir('a-file')} exists and is not a directory; refusing to replace it`);
    expect(await readFile(dir('a-file'), 'utf8')).toBe('keep\n');
    const up = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', dir('up'), '--repo', '../..']);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain('--repo ../..: not a path inside the mirror (absolute or with ..)');
    expect(await treeHash(SAMPLE_MIRROR)).toBe(before);
    await expect(stat(dir('up'))).rejects.toThrow();
  });

  it('a full disk or a read-only parent is one clear line, exit 1, the previous site intact, nothing left beside it', async () => {
    const small = dir('small');
    await mkdir(small);
    const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=600k', 'tmpfs', small]);
    expect(mounted.code, `mount a small tmpfs (this test needs root, as CI runs): ${mounted.stderr}`).toBe(0);
    try {
      const out = join(small, 'site');
      const first = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--repo', 'ubi8/baseos', '--repodata-only', '--no-cache']);
      expect(first.code, first.stderr).toBe(0);
      const before = await treeHash(out);
      const full = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--no-cache']);
      expect(full.code).toBe(1);
      expect(full.stderr).toMatch(/^airgap-mirror: cannot write the site \(ENOSPC.*\); the previous site at .* is intact and nothing was left beside it\. Free space/m);
      expect(full.stderr).not.toMatch(/\n\s+at /);
      expect(await treeHash(out)).toBe(before);
      const live = await readlink(out);
      expect((await readdir(small)).sort()).toEqual([live, '.site.site-key', 'site'].sort());
    } finally {
      await run('umount', [small]);
    }
    const ro = dir('read-only');
    await mkdir(ro);
    await chmod(ro, 0o555);
    const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', join(ro, 'site')], { withoutDacOverride: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^airgap-mirror: cannot write the site \(EACCES.*\).*write permission/m);
    expect(await readdir(ro)).toEqual([]);
  });

  it('refuses to replace a non-empty directory it did not write', async () => {
    const out = dir('someone-elses');
    await mkdir(out);
    await writeFile(join(out, 'notes.txt'), 'keep me');
    const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('was not written by airgap-mirror');
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('exits 1 when the mirror holds no package', async () => {
    await mkdir(dir('empty-mirror/repo'), { recursive: true });
    const r = await cli(['build', '--mirror', dir('empty-mirror'), '--out', dir('empty-out')]);
    expect(r.code).toBe(1);
  });

  it('a build killed midway leaves the previous site intact, and the next build cleans up', async () => {
    const out = dir('atomic');
    const first = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--repo', 'ubi8/baseos']);
    expect(first.code).toBe(0);
    const before = await treeHash(out);
    const child = spawn(process.execPath, [join(ROOT, 'scripts/bin/airgap-mirror.mjs'), 'build', '--mirror', SAMPLE_MIRROR, '--out', out], { cwd: ROOT, stdio: 'ignore' });
    const staging = `.atomic.partial-${child.pid}`;
    await waitFor(`the build's staging directory ${staging}`, base, async () => (await readdir(base)).includes(staging));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await treeHash(out)).toBe(before);
    const again = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out]);
    expect(again.code).toBe(0);
    expect((await readdir(base)).filter((n) => /^\.atomic\.(partial|old)-/.test(n))).toEqual([]);
  });

  it('a kill between the two renames (old site beside --out, none at it) is undone by the next build', async () => {
    const out = dir('between');
    expect((await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--repo', 'ubi8/baseos'])).code).toBe(0);
    const before = await treeHash(out);
    const dead = spawn('true');
    await new Promise((r) => dead.once('exit', r));
    await rename(out, dir(`.between.old-${dead.pid}`));
    const { prepareStaging, discardStaging } = await import('../../scripts/site/output-dir.ts');
    const { staging, unlock } = await prepareStaging(SAMPLE_MIRROR, out);
    await discardStaging(staging);
    await unlock();
    expect(await treeHash(out)).toBe(before);
    expect((await readdir(base)).filter((n) => /^\.between\.(old|partial|link)-/.test(n))).toEqual([]);
  });

  it('the replaced site is deleted in the background; a trash left by a killed rm is deleted, never restored', async () => {
    const out = dir('trashed');
    expect((await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--repo', 'ubi8/baseos'])).code).toBe(0);
    await writeFile(join(out, 'ubi8/baseos/only-in-the-old-site'), 'x');
    const left = dir('.trashed.trash-99999999-1');
    await mkdir(join(left, 'ubi8'), { recursive: true });
    await writeFile(join(left, 'ubi8/from-the-trash'), 'x');
    await writeFile(join(left, '.airgap-mirror-site.json'), '{}');
    await rm(out, { recursive: true }); // with no site at --out, an "old" one would be put back: a trash never is
    expect((await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--repo', 'ubi8/baseos'])).code).toBe(0);
    expect(await readdir(join(out, 'ubi8'))).not.toContain('from-the-trash');
    expect((await readdir(base)).filter((n) => n.startsWith('.trashed.trash-'))).toEqual([]);
    const again = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--repo', 'ubi8/baseos']);
    expect(again.code).toBe(0);
    expect((await stat(join(out, 'ubi8/baseos/repodata/repomd.xml'))).isFile()).toBe(true);
    const leftovers = async () => (await readdir(base)).filter((n) => /^\.trashed\.(trash|old)-/.test(n));
    let trash = await leftovers();
    for (let i = 0; i < 200 && trash.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      trash = await leftovers();
    }
    expect(trash).toEqual([]);
  });

  it('a --out that is a link is switched with one rename: a whole site is at --out at every instant', async () => {
    const first = dir('first');
    expect((await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', first, '--repo', 'ubi8/baseos'])).code).toBe(0);
    await rename(await realpath(first), dir('linked-first')); // a site directory the user linked by hand
    await rm(first);
    const out = dir('linked');
    await symlink('linked-first', out);
    const child = spawn(process.execPath, [join(ROOT, 'scripts/bin/airgap-mirror.mjs'), 'build', '--mirror', SAMPLE_MIRROR, '--out', out],
      { cwd: ROOT, stdio: 'ignore' });
    let running = true, looks = 0;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => { running = false; r(code); }));
    while (running) {
      // every look through the link finds a complete site (its marker is written last, before the switch)
      expect((await stat(join(out, '.airgap-mirror-site.json'))).isFile()).toBe(true);
      expect((await stat(join(out, 'ubi8/baseos/repodata/repomd.xml'))).isFile()).toBe(true);
      looks++;
    }
    expect(await exited).toBe(0);
    expect(looks).toBeGreaterThan(10);
    expect(await readlink(out)).toMatch(/^\.linked\.site-\d+-\d+$/);
    expect((await stat(join(out, 'ubi9/appstream/repodata/repomd.xml'))).isFile()).toBe(true);
    expect(await readdir(base)).not.toContain('linked-first'); // the previous site, written by airgap-mirror, is gone
    const again = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--repo', 'ubi8/baseos', '--allow-shrink']);
    expect(again.code).toBe(0);
    expect((await readdir(base)).filter((n) => /^\.linked\.site-\d/.test(n))).toEqual([await readlink(out)]);
  });

  it('Ctrl-C midway removes the staging directory and keeps the previous site', async () => {
    const out = dir('interrupted');
    expect((await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--repo', 'ubi8/baseos'])).code).toBe(0);
    const before = await treeHash(out);
    const child = spawn(process.execPath, [join(ROOT, 'scripts/bin/airgap-mirror.mjs'), 'build', '--mirror', SAMPLE_MIRROR, '--out', out],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const staging = `.interrupted.partial-${child.pid}`;
    await waitFor(`the build's staging directory ${staging}`, base, async () => (await readdir(base)).includes(staging));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(err).toContain('airgap-mirror: interrupted (SIGINT); the previous site is left as it was');
    expect((await readdir(base)).filter((n) => n.startsWith('.interrupted.partial-'))).toEqual([]);
    expect(await treeHash(out)).toBe(before);
  });

  it('a second build into the same --out while one runs is refused, naming the process; the first completes', async () => {
    const out = dir('twice');
    const first = spawn(process.execPath, [join(ROOT, 'scripts/bin/airgap-mirror.mjs'), 'build', '--mirror', SAMPLE_MIRROR, '--out', out],
      { cwd: ROOT, stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => first.once('exit', (code) => r(code)));
    await waitFor('the first build\'s lock', base, async () => (await readdir(base)).includes('.twice.lock.owner.json'));
    const second = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`--out ${out} is being written by process ${first.pid} (lock ${join(base, '.twice.lock')}); wait for it to finish`);
    expect(await exited).toBe(0);
    expect((await stat(join(out, 'ubi9/baseos/repodata/repomd.xml'))).isFile()).toBe(true);
    expect((await readdir(base)).filter((n) => n.startsWith('.twice.lock'))).toEqual([]);
  });
});

describe('names to ids and URLs', () => {
  it('disambiguates colliding repo ids and percent-encodes odd directory names; dnf uses every repo', async () => {
    const mirror = dir('odd-names');
    const pkg = join(SAMPLE_MIRROR, 'ubi8/baseos/Packages/hostname-3.23-6.el8.aarch64.rpm');
    for (const d of ['a/b', 'a-b', 'we#ird%dir?']) {
      await mkdir(join(mirror, d, 'Packages'), { recursive: true });
      await copyFile(pkg, join(mirror, d, 'Packages/hostname-3.23-6.el8.aarch64.rpm'));
    }
    const out = dir('odd-names-out');
    const r = await cli(['build', '--mirror', mirror, '--out', out, '--repodata-only', '--base-url', 'http://127.0.0.1:1/']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: a/b: repo id a-b is already the id of a-b; this repo gets the id a-b_2 [repo-id-collision]');
    const nginx = await startNginx(out);
    try {
      const files = dir('odd-names-repos');
      const g = await cli(['repo-files', '--site', out, '--out-dir', files, '--base-url', nginx.url]);
      expect(g.code, g.stderr).toBe(0);
      const text = (await Promise.all((await readdir(files)).map((f) => readFile(join(files, f), 'utf8')))).join('\n');
      expect(text.match(/^\[[^\]]+\]$/gm)!.sort()).toEqual(['[a-b]', '[a-b_2]', '[we_ird_dir_]']);
      expect(text).toContain(`baseurl=${nginx.url}we%23ird%25dir%3F/`);
      const cache = dir('odd-names-dnf');
      const q = await run('dnf', ['-y', '-q', '--releasever', '9', `--setopt=reposdir=${files}`, `--setopt=cachedir=${cache}`,
        '--setopt=gpgcheck=0', '--noplugins', '--forcearch', 'aarch64', 'repoquery', '--qf', '%{repoid} %{name}']);
      expect(q.code, q.stderr).toBe(0);
      expect(q.stdout.trim().split('\n').sort()).toEqual(['a-b hostname', 'a-b_2 hostname', 'we_ird_dir_ hostname']);
    } finally {
      await nginx.stop();
    }
  });
});

describe('path collisions', () => {
  it('a mirror path that collides with a page namespace wins and the collision is an error', async () => {
    const mirror = dir('collide');
    await mkdir(join(mirror, '_SITE/Packages'), { recursive: true });
    await copyFile(join(SAMPLE_MIRROR, 'ubi8/baseos/Packages/hostname-3.23-6.el8.aarch64.rpm'), join(mirror, '_SITE/Packages/hostname-3.23-6.el8.aarch64.rpm'));
    const out = dir('collide-out');
    const r = await cli(['build', '--mirror', mirror, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: _site\/favicon\.svg: .*collides with mirror path _SITE .*\[path-collision\]/);
    await expect(stat(join(out, '_site/favicon.svg'))).rejects.toThrow();
    expect((await stat(join(out, '_SITE/Packages/hostname-3.23-6.el8.aarch64.rpm'))).isFile()).toBe(true);
  });
});

describe('deterministic output', () => {
  it('two builds of the same mirror with the same key write byte-identical repodata, signatures included', async () => {
    expect((await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', dir('det-a'), '--repodata-only'])).code).toBe(0);
    const key = ['--signing-key', dir('.det-a.site-key/site-key.asc')];
    expect((await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', dir('det-b'), '--repodata-only', ...key])).code).toBe(0);
    for (const repo of ['ubi9/appstream', 'cuda-rhel9-aarch64']) {
      const names = (await readdir(join(dir('det-a'), repo, 'repodata'))).sort();
      expect(await readdir(join(dir('det-b'), repo, 'repodata')).then((n) => n.sort())).toEqual(names);
      for (const n of names) {
        const a = await readFile(join(dir('det-a'), repo, 'repodata', n));
        expect(a.equals(await readFile(join(dir('det-b'), repo, 'repodata', n))), n).toBe(true);
      }
    }
  });
});
