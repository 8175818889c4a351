/**
 * The closure chooses providers as dnf does, judged by dnf itself on real packages: a root list
 * with no profile needs no kernel; the newest provider whose own requirement nothing meets is
 * passed over for an older one that works; a requirement left unmet only behind a weak dependency
 * is a warning (dnf skips that weak dependency), not exit 2. The upstream is a createrepo_c repo
 * read through file:// (sync takes it as it takes http).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusDep } from '../../scripts/bench/rpm-writer.ts';
import { ClosureIndex, type ClosurePackage } from '../../scripts/closure/closure-index.ts';
import { resolveClosure } from '../../scripts/closure/resolve-closure.ts';
import { Sense } from '../../scripts/formats/rpm/tags.ts';
import { cli } from '../helpers/cli.ts';
import { run } from '../helpers/run.ts';
import { writeStandInRpm } from '../helpers/stand-in-rpm.ts';

let base: string, upstream: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-provider-'));
  upstream = join(base, 'upstream');
  const pkgs = join(upstream, 'Packages');
  await writeStandInRpm(pkgs, { name: 'app', requires: [corpusDep('libx')], recommends: [corpusDep('extra')] });
  await writeStandInRpm(pkgs, { name: 'libx', version: '1.0' });
  await writeStandInRpm(pkgs, { name: 'libx', version: '2.0', requires: [corpusDep('missing-thing', Sense.GREATER | Sense.EQUAL, '3')] });
  await writeStandInRpm(pkgs, { name: 'extra', requires: [corpusDep('also-missing')] });
  await writeStandInRpm(pkgs, { name: 'unrelated' });
  const c = await run('createrepo_c', ['--quiet', upstream]);
  expect(c.code, c.stderr).toBe(0);
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe('provider choice and weak dependencies', () => {
  it('dnf installs app with libx 1.0 and skips extra: the judge', async () => {
    const dl = join(base, 'dnf-dl');
    const r = await run('dnf', ['-q', '-y', '--releasever', '9', '--installroot', join(base, 'root'), '--setopt=reposdir=/dev/null',
      `--setopt=cachedir=${join(base, 'dnf-cache')}`, `--repofrompath=u,file://${upstream}`, '--repo=u', '--setopt=gpgcheck=0',
      '--setopt=install_weak_deps=True', '--noplugins', 'install', '--downloadonly', `--downloaddir=${dl}`, 'app']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(dl)).sort()).toEqual(['app-1.0-1.el9.noarch.rpm', 'libx-1.0-1.el9.noarch.rpm']);
  });

  it('sync with closure packages and no profile or kernel takes the same, warns of extra, exit 0', async () => {
    const cfg = join(base, 'sync.yaml'), mirror = join(base, 'mirror');
    await writeFile(cfg, `sync:\n  closure: { packages: [app], weakDeps: true }\n  repos:\n    - id: u\n      baseurl: file://${upstream}/\n`);
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: extra-1\.0-1\.el9\.noarch \(u\): requires also-missing, which no configured repo provides; only a weak dependency .*\[closure-unresolved-weak\]/m);
    expect(r.stderr).not.toContain('[closure-unresolved]');
    const taken = (await readdir(join(mirror, 'u/Packages'))).sort();
    expect(taken).toEqual(['app-1.0-1.el9.noarch.rpm', 'extra-1.0-1.el9.noarch.rpm', 'libx-1.0-1.el9.noarch.rpm']);
  });

  it('an unmet requirement on the Requires path is still an error', () => {
    const p = (name: string, version: string, requires: string[] = []): ClosurePackage => ({
      key: `r/${name}-${version}`, repoId: 'r', nevra: `${name}-${version}-1.noarch`, name, epoch: '0', version, release: '1',
      arch: 'noarch', size: 1, provides: [{ name, flags: 'EQ', epoch: '0', version, release: '1' }],
      requires: requires.map((n) => ({ name: n })), recommends: [], supplements: [], files: [],
    });
    const only = p('libx', '2.0', ['missing-thing']);
    const root = p('app', '1.0', ['libx']);
    const c = resolveClosure(new ClosureIndex([root, only]), [root]);
    expect(c.unmet.map((u) => `${u.pkg.nevra} ${u.dep}`)).toEqual(['libx-2.0-1.noarch missing-thing']);
    expect(c.weakUnmet).toEqual([]);
  });
});
