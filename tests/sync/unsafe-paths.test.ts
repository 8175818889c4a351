/**
 * Paths from input never lead a write outside what airgap-mirror owns: repo ids `.`/`..`, config
 * and lockfile paths that leave the mirror by their text or through a link, a `--repo PATH=ID`
 * with such an id. Each refusal is one line naming the file and key, exit 1, no stack trace, and
 * nothing is created anywhere. The checks run before any request, so no server is needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { resolveInside } from '../../scripts/inside-root.ts';

let base: string;
const dir = (name: string) => join(base, name);
beforeAll(async () => { base = await mkdtemp(join(tmpdir(), 'airgap-paths-')); });
afterAll(() => rm(base, { recursive: true, force: true }));

/** One refusal line, exit 1, no stack trace or raw schema error. */
function expectOneLineRefusal(r: { code: number | null; stderr: string }, line: string | RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stderr).not.toMatch(/\n\s+at |ZodError|unexpected error/);
  expect(r.stderr.trim().split('\n')).toEqual([typeof line === 'string' ? line : expect.stringMatching(line)]);
}

describe('paths from input', () => {
  it.each(['..', '.'])('a sync repo id %s is refused naming the file and key; nothing is written beside the mirror', async (id) => {
    const work = dir(`id-${id.length}`), mirror = join(work, 'mirror'), cfg = join(work, 'sync.yaml');
    await mkdir(work);
    await writeFile(cfg, `sync:\n  repos:\n    - id: "${id}"\n      baseurl: http://127.0.0.1:9/repo/\n`);
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror]);
    expectOneLineRefusal(r, `airgap-mirror: ${cfg}: sync.repos[0].id: a repo id cannot be . or .. `
      + '(an id is also a path in the mirror and the site)');
    expect((await readdir(work)).sort()).toEqual(['sync.yaml']);
  });

  it('a lockfile whose repo path leaves the mirror is one line naming the file and key', async () => {
    const work = dir('lock'), lock = join(work, 'sync.lock.json');
    await mkdir(work);
    await writeFile(lock, JSON.stringify({ format: 'airgap-mirror-sync-lock/1', created: '2026-01-01T00:00:00Z', repos: [
      { id: 'r', baseurl: 'http://127.0.0.1:9/repo/', path: '../escaped', repomdSha256: '0'.repeat(64), subset: false,
        reasons: [], packages: [] }] }));
    const r = await cli(['sync', '--mirror', join(work, 'mirror'), '--from-lock', lock]);
    expectOneLineRefusal(r, `airgap-mirror: ${lock}: repos[0].path: expected a relative path inside the mirror `
      + '(no leading /, no . or .. segments)');
    expect(await readdir(work)).toEqual(['sync.lock.json']);
  });

  it('a repo path that reaches outside through a link in the mirror is refused before anything is created', async () => {
    const work = dir('link'), mirror = join(work, 'mirror'), outside = join(work, 'outside'), cfg = join(work, 'sync.yaml');
    await mkdir(mirror, { recursive: true });
    await mkdir(outside);
    await symlink(outside, join(mirror, 'vendor'));
    await writeFile(cfg, 'sync:\n  repos:\n    - id: r\n      baseurl: http://127.0.0.1:9/repo/\n      path: vendor/el9\n');
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror]);
    expectOneLineRefusal(r, /^airgap-mirror: sync\.repos: r: path "vendor\/el9" leads to .*\/outside\/el9 through a symbolic link, outside .*\/mirror$/);
    expect(await readdir(outside)).toEqual([]);
  });

  it('build --repo PATH=ID takes only a path-safe dnf id', async () => {
    const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', dir('site'), '--repo', 'ubi8/baseos=..']);
    expectOneLineRefusal(r, 'airgap-mirror: --repo ubi8/baseos=..: id: a repo id cannot be . or .. '
      + '(an id is also a path in the mirror and the site)');
    await expect(readdir(dir('site'))).rejects.toThrow();
  });

  it('resolveInside: by text, and where links really lead, before anything exists', async () => {
    const root = dir('root');
    await mkdir(join(root, 'a'), { recursive: true });
    await symlink('/etc', join(root, 'etc-link'));
    await symlink('a', join(root, 'inner-link'));
    expect(await resolveInside(root, 'a/new/deeper')).toBe(join(root, 'a/new/deeper'));
    expect(await resolveInside(root, 'inner-link/x')).toBe(join(root, 'a/x'));
    for (const bad of ['../x', '/etc/passwd', 'a/../../x', '', 'a//b', 'a/./b', 'etc-link/passwd', 'etc-link']) {
      await expect(resolveInside(root, bad), bad).rejects.toThrow(/not a path inside|outside/);
    }
  });
});
