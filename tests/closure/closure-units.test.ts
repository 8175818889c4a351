/**
 * The closure engine on hand-made package sets: rich dependency parsing and libsolv truth,
 * every provider taken for an unmet requirement, conditionals re-checked until nothing
 * changes, weak dependencies on and off, module streams, and kernel strings of node pools
 * mapped to package flavours (seed 001's 64k kernel).
 */
import { describe, expect, it } from 'vitest';
import { parseRich } from '../../scripts/closure/rich-dependency.ts';
import { ClosureIndex, type ClosurePackage } from '../../scripts/closure/closure-index.ts';
import { resolveClosure } from '../../scripts/closure/resolve-closure.ts';
import { filterModular, readModuleIndex } from '../../scripts/closure/module-streams.ts';
import { kernelTarget, wantedPackages } from '../../scripts/closure/profiles.ts';
import { poolClosure } from '../../scripts/closure/pool-closure.ts';
import type { Dependency } from '../../scripts/formats/rpm/package-record.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWith } from '../../scripts/config/read-config.ts';
import { ConfigFileSchema } from '../../scripts/config/config-schema.ts';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';

const dep = (s: string): Dependency => {
  const m = /^(\S+)(?: (>=|=|<) (\S+))?$/.exec(s)!;
  if (!m[2]) return { name: s };
  const [v, r] = m[3]!.split('-');
  return { name: m[1]!, flags: { '>=': 'GE', '=': 'EQ', '<': 'LT' }[m[2]]!, epoch: '0', version: v!, ...(r ? { release: r } : {}) };
};

function pkg(name: string, o: { v?: string; arch?: string; requires?: string[]; provides?: string[]; recommends?: string[];
  supplements?: string[]; files?: string[]; repo?: string } = {}): ClosurePackage {
  const v = o.v ?? '1', arch = o.arch ?? 'x86_64', repo = o.repo ?? 'r';
  return {
    key: `${repo}/${name}-${v}-1.${arch}`, repoId: repo, nevra: `${name}-${v}-1.${arch}`, name, epoch: '0', version: v,
    release: '1', arch, size: 100,
    provides: [{ name, flags: 'EQ', epoch: '0', version: v, release: '1' }, ...(o.provides ?? []).map(dep)],
    requires: (o.requires ?? []).map((r) => (r.startsWith('(') ? { name: r } : dep(r))),
    recommends: (o.recommends ?? []).map(dep), supplements: (o.supplements ?? []).map(dep), files: o.files ?? [],
  };
}

const names = (s: Set<ClosurePackage>) => [...s].map((p) => `${p.name}-${p.version}`).sort();

describe('rich dependencies', () => {
  it('parses nested operators and refuses malformed expressions', () => {
    expect(parseRich('(a >= 1.2 with a < 2)')).toEqual({ op: 'with', args: [
      { op: 'leaf', dep: { name: 'a', flags: 'GE', epoch: '0', version: '1.2' } },
      { op: 'leaf', dep: { name: 'a', flags: 'LT', epoch: '0', version: '2' } }] });
    expect(parseRich('(x if (y or z) else w)')).toMatchObject({ op: 'if', then: { op: 'leaf' }, cond: { op: 'or' }, else: { op: 'leaf' } });
    for (const bad of ['(a or)', '(a or b and c)', '(a or b', 'a or b', '(a ~ b)x']) expect(() => parseRich(bad)).toThrow(/rich dependency/);
  });

  it('follow libsolv: if only when the condition holds (checked again), or takes every alternative, with/without', () => {
    const ix = new ClosureIndex([
      pkg('root', { requires: ['(plugin if late)', 'needs-late', '(alt-a or alt-b)', '(lib >= 2 with lib < 3)', '(tool without tool-legacy)'] }),
      pkg('needs-late', { requires: ['late'] }), pkg('late'), pkg('plugin'),
      pkg('alt-a'), pkg('alt-b'),
      pkg('lib', { v: '1' }), pkg('lib', { v: '2' }), pkg('lib', { v: '3' }),
      pkg('tool', { provides: ['tool-legacy'] }), pkg('tool2', { provides: ['tool'] }),
      pkg('unused'),
    ]);
    const c = resolveClosure(ix, [ix.packages[0]!]);
    // lib-3 is the newest but the `with` range keeps 2 only
    expect(names(c.packages)).toEqual(['alt-a-1', 'alt-b-1', 'late-1', 'lib-2', 'needs-late-1', 'plugin-1', 'root-1', 'tool2-1']);
    expect(c.unmet).toEqual([]);
  });

  it('an if branch stays out while its condition is unmet; a malformed one is reported', () => {
    const ix = new ClosureIndex([pkg('root', { requires: ['(plugin if never)', '(broken or'] }), pkg('plugin'), pkg('never')]);
    const c = resolveClosure(ix, [ix.packages[0]!]);
    expect(names(c.packages)).toEqual(['root-1']);
    expect(c.unmet.map((u) => u.dep)).toEqual(['(broken or']);
  });
});

describe('closure', () => {
  it('takes every provider (newest per name), versioned provides, file requires, and names what is unmet', () => {
    const ix = new ClosureIndex([
      pkg('root', { requires: ['cap', 'libx >= 2', '/usr/libexec/helper', 'gone'] }),
      pkg('p1', { provides: ['cap'] }), pkg('p2', { provides: ['cap'], v: '1' }), pkg('p2', { provides: ['cap'], v: '4' }),
      pkg('libx-old', { provides: ['libx = 1'] }), pkg('libx', { v: '2' }),
      pkg('helper', { files: ['/usr/libexec/helper'] }),
    ]);
    const c = resolveClosure(ix, [ix.packages[0]!]);
    expect(names(c.packages)).toEqual(['helper-1', 'libx-2', 'p1-1', 'p2-4', 'root-1']);
    expect(c.unmet.map((u) => `${u.pkg.name} ${u.dep}`)).toEqual(['root gone']);
  });

  it('weak dependencies: Recommends and reverse Supplements only when asked', () => {
    const ix = new ClosureIndex([pkg('root', { recommends: ['extra'] }), pkg('extra'), pkg('lang', { supplements: ['root'] })]);
    expect(names(resolveClosure(ix, [ix.packages[0]!]).packages)).toEqual(['root-1']);
    expect(names(resolveClosure(ix, [ix.packages[0]!], { weakDeps: true }).packages)).toEqual(['extra-1', 'lang-1', 'root-1']);
  });
});

describe('module streams', () => {
  const yaml = (s: string, v: string) => `---\ndocument: modulemd\nversion: 2\ndata:\n  name: drv\n  stream: "${s}"\n`
    + `  artifacts:\n    rpms:\n    - drv-0:${v}-1.x86_64\n...\n`;
  const ix = readModuleIndex([`${yaml('570-open', '570')}${yaml('575-open', '575')}---\ndocument: modulemd-defaults\n`
    + 'version: 1\ndata:\n  module: drv\n  stream: "575-open"\n...\n']);
  const all = [pkg('drv', { v: '570' }), pkg('drv', { v: '575' }), pkg('drv', { v: '999' }), pkg('other')];
  it('shows only the enabled stream (else the default) and hides non-modular packages of the same name', () => {
    expect(filterModular(all, ix, ['drv:570-open']).visible.map((p) => p.nevra)).toEqual(['drv-570-1.x86_64', 'other-1-1.x86_64']);
    expect(filterModular(all, ix, []).visible.map((p) => p.nevra)).toEqual(['drv-575-1.x86_64', 'other-1-1.x86_64']);
    expect(filterModular(all, ix, ['drv:9']).problems).toEqual(['module drv:9: no such stream upstream (streams: 570-open, 575-open)']);
  });
});

describe('kernels of node pools', () => {
  it('maps seed 001\'s 64k kernel to the kernel-64k-* packages, RT kernels to kernel-rt-*', () => {
    const k64 = kernelTarget('5.14.0-284.54.1.el9_2.aarch64+64k');
    expect(k64).toEqual({ kernel: '5.14.0-284.54.1.el9_2.aarch64+64k', versionRelease: '5.14.0-284.54.1.el9_2', arch: 'aarch64', flavour: '64k' });
    expect(wantedPackages(['dtk'], k64).filter((w) => w.pinned).map((w) => w.name)).toEqual(expect.arrayContaining(
      ['kernel-64k-devel', 'kernel-64k-modules', 'kernel-64k-modules-extra', 'kernel-headers']));
    expect(kernelTarget('4.18.0-513.11.1.rt7.313.el8_9.x86_64').flavour).toBe('rt');
    expect(kernelTarget('5.14.0-362.13.1.el9_3.x86_64+rt')).toMatchObject({ flavour: 'rt', versionRelease: '5.14.0-362.13.1.el9_3' });
    expect(wantedPackages(['doca-driver'], kernelTarget('5.14.0-427.87.1.el9_4', 'x86_64')).slice(0, 5).map((w) => w.name))
      .toEqual(['kernel', 'kernel-headers', 'kernel-core', 'kernel-devel', 'kernel-modules']);
    expect(() => kernelTarget('latest')).toThrow(/expected <version>-<release>/);
  });

  it('pins kernel packages to the pool (version-release and arch), and names what is missing', () => {
    const k = '5.14.0-284.54.1.el9_2';
    const all = [
      { ...pkg('kernel-64k-devel', { arch: 'aarch64' }), version: '5.14.0', release: '284.54.1.el9_2' },
      { ...pkg('kernel-64k-devel', { arch: 'aarch64' }), version: '5.14.0', release: '284.60.1.el9_2' },
      { ...pkg('kernel-64k-devel', { arch: 'x86_64' }), version: '5.14.0', release: '284.54.1.el9_2' },
    ];
    const r = poolClosure(all, { id: 'gpu', kernel: `${k}.aarch64+64k`, arch: 'aarch64' }, { profiles: ['doca-driver'], packages: [] });
    expect(r.packages.map((p) => `${p.name}-${p.release}.${p.arch}`)).toEqual(['kernel-64k-devel-284.54.1.el9_2.aarch64']);
    expect(r.missing).toEqual(expect.arrayContaining([`kernel-64k-modules-${k}.aarch64`, 'numactl-libs']));
  });
});

describe('closure config and commands', () => {
  it('names a bad profile, module or kernel with its key path, and an unknown --profile, exit 1', async () => {
    const parse = (closure: unknown) => () => parseWith(ConfigFileSchema, { sync: { closure, repos: [] } }, 'sync.yaml');
    expect(parse({ profiles: ['dkt'] })).toThrow(/sync\.closure\.profiles\[0\]: .*dtk/);
    expect(parse({ modules: ['nvidia-driver'] })).toThrow(/sync\.closure\.modules\[0\]: expected module:stream/);
    expect(parse({ kernel: ['5.14.0-1.el9.x86_64'] })).toThrow(/sync\.closure.*kernel/);
    const dir = await mkdtemp(join(tmpdir(), 'airgap-closure-cfg-'));
    try {
      const bad = await cli(['preflight', '--mirror', SAMPLE_MIRROR, '--profile', 'dkt']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('--profile dkt: unknown (profiles: doca-driver, dtk, nvidia-gpu-driver)');
      const cfg = join(dir, 'sync.yaml');
      await writeFile(cfg, 'sync:\n  closure: { profiles: [dtk], kernels: [latest] }\n  repos: [{ id: r, baseurl: "http://127.0.0.1:9/r/" }]\n');
      const kernel = await cli(['sync', '--config', cfg, '--mirror', join(dir, 'm'), '--dry-run']);
      expect(kernel.code).toBe(1);
      expect(kernel.stderr).toContain('sync.closure.kernels: kernel version "latest": expected <version>-<release>.<arch>[+<flavour>]');
      await writeFile(cfg, 'sync:\n  closure: { profiles: [dtk] }\n  repos: [{ id: r, baseurl: "http://127.0.0.1:9/r/" }]\n');
      const none = await cli(['sync', '--config', cfg, '--mirror', join(dir, 'm'), '--dry-run']);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain("the closure's profiles (dtk) are pinned to the cluster's kernels: pass --nodes FILE");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('an Ubuntu node pool', () => {
  it('is checked against the apt repos by the preflight, and takes no part in an RPM-only closure', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airgap-ubuntu-'));
    try {
      const nodes = join(dir, 'nodes.json');
      const node = (name: string, kernel: string, os: string, arch: string) =>
        ({ metadata: { name }, status: { nodeInfo: { kernelVersion: kernel, osImage: os, architecture: arch } } });
      await writeFile(nodes, JSON.stringify({ items: [node('u1', '5.15.0-91-generic', 'Ubuntu 22.04.3 LTS', 'amd64'),
        node('a1', '5.14.0-427.87.1.el9_4.aarch64', 'Red Hat Enterprise Linux CoreOS 418.94.202509100653-0', 'arm64')] }));
      const pf = await cli(['preflight', '--mirror', SAMPLE_MIRROR, '--nodes', nodes]);
      expect(pf.code, pf.stdout + pf.stderr).toBe(0);
      // the Ubuntu pool is checked against the sample's apt repo, the RHCOS pool against its RPM repos
      expect(pf.stdout).toContain('UBUNTU POOL ubuntu22.04-5.15.0-91-generic (kernel 5.15.0-91-generic): OK');
      expect(pf.stdout).toContain('  found   gcc-11  11.4.0-1ubuntu1~22.04');
      expect(pf.stdout).toContain('KERNEL_VERSION 5.14.0-427.87.1.el9_4.aarch64: OK');
      expect(pf.stdout).not.toContain('KERNEL_VERSION 5.15.0-91');
      await writeFile(nodes, JSON.stringify({ items: [node('u2', '5.15.0-92-generic', 'Ubuntu 22.04.4 LTS', 'amd64')] }));
      const gone = await cli(['preflight', '--mirror', SAMPLE_MIRROR, '--nodes', nodes]);
      expect(gone.code).toBe(2);
      expect(gone.stdout).toContain('UBUNTU POOL ubuntu22.04-5.15.0-92-generic (kernel 5.15.0-92-generic): NOT READY');
      expect(gone.stdout).toContain('  MISSING linux-headers-5.15.0-92-generic');
      await writeFile(nodes, JSON.stringify({ items: [node('u1', '5.15.0-91-generic', 'Ubuntu 22.04.3 LTS', 'amd64'),
        node('a1', '5.14.0-427.87.1.el9_4.aarch64', 'Red Hat Enterprise Linux CoreOS 418.94.202509100653-0', 'arm64')] }));
      const cfg = join(dir, 'sync.yaml');
      await writeFile(cfg, 'sync:\n  retries: 0\n  closure: { profiles: [doca-driver] }\n  repos: [{ id: r, baseurl: "http://127.0.0.1:9/r/" }]\n');
      const sync = await cli(['sync', '--config', cfg, '--mirror', join(dir, 'm'), '--nodes', nodes, '--dry-run']);
      expect(sync.stderr).toContain('ubuntu22.04-5.15.0-91-generic: no apt (type: deb) repo takes part in the closure, '
        + 'so nothing is taken for this node pool');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
