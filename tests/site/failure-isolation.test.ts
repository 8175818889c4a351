/**
 * One odd input never costs the whole site, and a build that produced nothing usable never
 * replaces the live one: kernels of any flavour (`+rt`, `+debug`), a malformed setting, an empty
 * or unmounted mirror, a mirror that lost most of its packages (`--allow-shrink`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { treeHash } from '../helpers/tree-hash.ts';
import { writeStandInRpm } from '../helpers/stand-in-rpm.ts';
import { writeDeb } from '../../scripts/bench/deb-writer.ts';

let base: string, mirror: string;
const dir = (name: string) => join(base, name);
const kernelCore = (name: string, release: string) =>
  writeStandInRpm(join(mirror, 'rhocp/Packages'), { name, version: '5.14.0', release, arch: 'x86_64' });

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-isolation-'));
  mirror = dir('mirror');
  await kernelCore('kernel-core', '427.13.1.el9_4');
  await kernelCore('kernel-rt-core', '362.13.1.el9_3');
  await kernelCore('kernel-debug-core', '427.13.1.el9_4');
  for (const n of ['pkg-config', 'hostname', 'lsof']) await writeStandInRpm(join(mirror, 'tools/Packages'), { name: n });
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe('failure isolation', () => {
  it('RT and debug kernels build a whole site; their GPU rows say no precompiled image exists', async () => {
    const r = await cli(['build', '--mirror', mirror, '--out', dir('flavours')]);
    expect(r.code, r.stderr).toBe(0);
    const gpu = await readFile(dir('flavours/_site/runbooks/precompiled-gpu-driver/index.html'), 'utf8');
    expect(gpu).toContain('570.133.20-5.14.0-427.13.1.el9_4.x86_64-rhcos4.18');
    expect(gpu).toContain('data-kernel="5.14.0-362.13.1.el9_3.x86_64+rt"');
    expect(gpu).toContain('no precompiled GPU driver image is built for +rt kernels');
    expect(gpu).toContain('no precompiled GPU driver image is built for +debug kernels');
    const home = await readFile(dir('flavours/index.html'), 'utf8');
    expect(home).toContain('5.14.0-362.13.1.el9_3.x86_64+rt');
  });

  it('a malformed setting is one generator-failed line per value, shown on its page; the site is built, exit 2', async () => {
    const config = dir('bad-settings.yaml');
    await writeFile(config, 'settings:\n  doca: { version: latest }\n  openshiftVersion: "four"\n');
    const r = await cli(['build', '--mirror', mirror, '--out', dir('bad-settings'), '--config', config]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error: runbook value docaTag: could not be made \(DOCA driver version "latest": expected e\.g\. 25\.07-0\.9\.7\.0\).*\[generator-failed\]$/m);
    expect(r.stderr).toMatch(/^error: runbook value osTag: could not be made \(OpenShift version "four".*\[generator-failed\]$/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const dtk = await readFile(dir('bad-settings/_site/runbooks/mofed-doca-dtk/index.html'), 'utf8');
    expect(dtk).toContain('data-failed="docaImage"');
    expect(dtk).toContain('Not available in this build: DOCA driver version');
    expect(dtk).toContain('nvidia-network-operator'); // the rest of the runbook is there
    const problems = await readFile(dir('bad-settings/_site/verify/index.html'), 'utf8');
    expect(problems).toContain('generator-failed');
    expect((await readFile(dir('bad-settings/rhocp/repodata/repomd.xml'), 'utf8'))).toContain('primary');
  });
});

describe('the live site survives bad builds', () => {
  it('an empty or unmounted mirror exits 1 and leaves the live site as it was', async () => {
    const out = dir('live');
    expect((await cli(['build', '--mirror', mirror, '--out', out])).code).toBe(0);
    const before = await treeHash(out);
    await mkdir(dir('unmounted'));
    const r = await cli(['build', '--mirror', dir('unmounted'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`Not swapped in: no package was read, so the site was not replaced (the live site at ${out} keeps its 6 packages).`);
    expect(await treeHash(out)).toBe(before);
  });

  it('a build with fewer than half the live packages is refused naming both counts; --allow-shrink swaps it in', async () => {
    const out = dir('shrink');
    expect((await cli(['build', '--mirror', mirror, '--out', out])).code).toBe(0);
    const before = await treeHash(out);
    const small = dir('small-mirror');
    await writeStandInRpm(join(small, 'tools/Packages'), { name: 'hostname' });
    await writeStandInRpm(join(small, 'tools/Packages'), { name: 'lsof' });
    const refused = await cli(['build', '--mirror', small, '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('this build has 2 packages, fewer than half the live site\'s 6');
    expect(refused.stdout).toContain('--allow-shrink');
    expect(await treeHash(out)).toBe(before);
    const allowed = await cli(['build', '--mirror', small, '--out', out, '--allow-shrink']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(await readFile(join(out, 'tools/repodata/repomd.xml'), 'utf8')).toContain('primary');
    await expect(readFile(join(out, 'rhocp/repodata/repomd.xml'))).rejects.toThrow();
  });

  it('counts apt packages too: an apt repo that lost most of its .deb files is refused the same way', async () => {
    const out = dir('apt-shrink');
    const deb = async (mirrorDir: string, i: number) => writeFile(join(mirrorDir, `ubuntu/p${i}_1.0_amd64.deb`),
      await writeDeb({ control: { Package: `p${i}`, Version: '1.0', Architecture: 'amd64', Description: 'stand-in' },
        files: [{ path: `/usr/share/p${i}`, data: Buffer.from('x') }] }));
    await mkdir(dir('apt-full/ubuntu'), { recursive: true });
    await mkdir(dir('apt-small/ubuntu'), { recursive: true });
    for (let i = 0; i < 5; i++) await deb(dir('apt-full'), i);
    await deb(dir('apt-small'), 0);
    expect((await cli(['build', '--mirror', dir('apt-full'), '--out', out, '--repodata-only'])).code).toBe(0);
    const before = await treeHash(out);
    const refused = await cli(['build', '--mirror', dir('apt-small'), '--out', out, '--repodata-only']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('this build has 1 packages, fewer than half the live site\'s 5');
    expect(await treeHash(out)).toBe(before);
  });
});
