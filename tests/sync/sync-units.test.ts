/**
 * Tables of inputs → expected outputs for the pure parts of sync: location safety, package
 * selection (EVR order as rpm), the generated sync config, and the modules filter of a subset.
 */
import { describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { resolveLocation } from '../../scripts/sync/location.ts';
import { selectPackages } from '../../scripts/sync/select-packages.ts';
import type { PrimaryEntry } from '../../scripts/formats/rpm/repodata/primary-reader.ts';
import { syncConfigYaml, upstreamOf } from '../../scripts/generators/sync-config.ts';
import { subsetMetadataFilter } from '../../scripts/formats/rpm/repodata/subset-metadata.ts';
import type { PackageRecord } from '../../scripts/formats/rpm/package-record.ts';
import { parseWith } from '../../scripts/config/read-config.ts';
import { ConfigFileSchema } from '../../scripts/config/config-schema.ts';
import YAML from 'yaml';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyncState } from '../../scripts/sync/sync-state.ts';
import { cli } from '../helpers/cli.ts';
import { fileHashes } from '../helpers/tree-hash.ts';
import { writeStandInRpm } from '../helpers/stand-in-rpm.ts';

const BASE = 'https://cdn.example/repo/';

describe('resolveLocation', () => {
  it.each([
    ['Packages/a-1-1.x86_64.rpm', undefined, false, { url: `${BASE}Packages/a-1-1.x86_64.rpm`, path: 'Packages/a-1-1.x86_64.rpm' }],
    ['Packages/./k/a.rpm', undefined, false, { url: `${BASE}Packages/k/a.rpm`, path: 'Packages/k/a.rpm' }],
    ['Packages/a+b#1?.rpm', undefined, false, { url: `${BASE}Packages/a%2Bb%231%3F.rpm`, path: 'Packages/a+b#1?.rpm' }],
    ['Packages/a.rpm', BASE, false, { url: `${BASE}Packages/a.rpm`, path: 'Packages/a.rpm' }],
  ])('%s (xml:base %s) is taken', (href, base, allow, expected) => {
    expect(resolveLocation(BASE, href, base, allow)).toEqual({ ...expected, relocated: false });
  });

  it.each([
    ['../../etc/passwd', undefined, true, "leaves the repo's path"],
    ['Packages/../../x.rpm', undefined, true, "leaves the repo's path"],
    ['/etc/x.rpm', undefined, true, "leaves the repo's path"],
    ['Packages/a.rpm', 'https://other.example/', false, "outside the repo's baseurl"],
    ['https://other.example/a.rpm', undefined, false, "outside the repo's baseurl"],
  ])('%s (xml:base %s) is refused', (href, base, allow, why) => {
    const r = resolveLocation(BASE, href, base, allow);
    expect('refused' in r && r.refused).toContain(why);
  });

  it('takes an external location only when allowed, kept under Packages/', () => {
    expect(resolveLocation(BASE, 'https://other.example/x/a%2B1.rpm', undefined, true))
      .toEqual({ url: 'https://other.example/x/a%2B1.rpm', path: 'Packages/a+1.rpm', relocated: true });
    expect(resolveLocation(BASE, 'Packages/a.rpm', 'https://other.example/r', true))
      .toEqual({ url: 'https://other.example/r/Packages/a.rpm', path: 'Packages/a.rpm', relocated: false });
  });
});

const pkg = (name: string, evr: string, arch = 'x86_64'): PrimaryEntry => {
  const [, epoch = '0', version, release] = /^(?:(\d+):)?([^-]+)-(.+)$/.exec(evr)!;
  return { name, arch, epoch, version: version!, release: release!, checksumType: 'sha256', checksum: 'x', size: 1, href: `${name}-${evr}.rpm` };
};
const ids = (ps: PrimaryEntry[]) => ps.map((p) => `${p.name}-${p.epoch}:${p.version}-${p.release}.${p.arch}`);

describe('selectPackages', () => {
  const all = [
    pkg('kernel', '5.14.0-427.el9'), pkg('kernel', '5.14.0-70.el9'), pkg('kernel', '5.14.0-284.el9'),
    pkg('kernel', '5.14.0-427.el9', 'aarch64'), pkg('kernel', '5.14.0-427.el9', 'src'),
    pkg('foo', '1:1.0-1'), pkg('foo', '2.0-1'), pkg('foo-debuginfo', '2.0-1'),
  ];
  it.each([
    [{ source: true }, ids(all), []],
    [{ source: false }, ids(all.filter((p) => p.arch !== 'src')), ['source RPMs off: 1 left out']],
    [{ source: true, newest: 1, arch: ['x86_64'] }, ['kernel-0:5.14.0-427.el9.x86_64', 'foo-1:1.0-1.x86_64', 'foo-debuginfo-0:2.0-1.x86_64'],
      ['arch x86_64: 2 left out', 'newest 1 per name and arch: 3 left out']],
    [{ source: true, newest: 2, include: ['kernel'], arch: ['x86_64'] }, ['kernel-0:5.14.0-427.el9.x86_64', 'kernel-0:5.14.0-284.el9.x86_64'],
      ['arch x86_64: 2 left out', 'include kernel: 3 left out', 'newest 2 per name and arch: 1 left out']],
    [{ source: true, exclude: ['*-debuginfo', 'kernel-5.14.0-70.el9.x86_64'] }, ids(all.filter((p, i) => i !== 1 && i !== 7)),
      ['exclude *-debuginfo, kernel-5.14.0-70.el9.x86_64: 2 left out']],
  ])('%j', (sel, expected, reasons) => {
    const r = selectPackages(all, sel);
    expect(ids(r.packages)).toEqual(expected);
    expect(r.reasons).toEqual(reasons);
  });
});

describe('the generated sync config', () => {
  it('uses the baseurl a repo was synced from, else the upstream URL shapes, and validates against the schema', () => {
    const repos = [
      { id: 'a', path: 'ubi8/appstream', arches: ['noarch', 'x86_64'] },
      { id: 'b', path: 'mirror/rhocp-4.16-for-rhel-9-x86_64-rpms', arches: ['x86_64'] },
      { id: 'c', path: 'cuda-rhel9-x86_64', arches: ['x86_64'] },
      { id: 'd', path: 'local/tools', arches: ['noarch'] },
      { id: 'e', path: 'ubi9/baseos', arches: ['aarch64'], upstream: 'https://mirror.lab/ubi9/baseos/' },
    ];
    expect(repos.map((r) => upstreamOf(r).baseurl)).toEqual([
      'https://cdn-ubi.redhat.com/content/public/ubi/dist/ubi8/8/x86_64/appstream/os/',
      'https://cdn.redhat.com/content/dist/layered/rhel9/x86_64/rhocp/4.16/os/',
      'https://developer.download.nvidia.com/compute/cuda/repos/rhel9/x86_64/',
      'https://upstream.example/local/tools/',
      'https://mirror.lab/ubi9/baseos/',
    ]);
    const text = syncConfigYaml(repos, ['5.14.0-427.13.1.el9_4.x86_64', '5.14.0-284.54.1.el9_2.aarch64+64k']);
    const cfg = parseWith(ConfigFileSchema, YAML.parse(text), 'sync.yaml');
    expect(cfg.sync!.repos[1]).toMatchObject({ sslclientkey: '/etc/pki/entitlement/ENTITLEMENT-key.pem' });
    expect(cfg.sync!.closure).toMatchObject({ profiles: ['doca-driver'],
      kernels: ['5.14.0-427.13.1.el9_4.x86_64', '5.14.0-284.54.1.el9_2.aarch64+64k'] });
    expect(cfg.sync!.repos.map((r) => r.closure)).toEqual([undefined, undefined, false, false, undefined]);
    expect(text).toContain("# set this repo's upstream baseurl");
  });
});

describe('URLs the site publishes', () => {
  it('carry no userinfo, token or query string of the baseurl sync took a repo from', async () => {
    const base = await mkdtemp(join(tmpdir(), 'airgap-publish-'));
    try {
      const repo = join(base, 'mirror/cuda');
      await writeStandInRpm(join(repo, 'Packages'), { name: 'tool' });
      await writeSyncState(repo, { format: 1, id: 'cuda', baseurl: 'https://robot:s3cret@cdn.example.com/cuda/rhel9/?token=t0ken#x',
        repomdSha256: '0'.repeat(64), selection: '', subset: true, reasons: [], complete: true, syncedAt: 0, packages: [] });
      const r = await cli(['build', '--mirror', join(base, 'mirror'), '--out', join(base, 'site')]);
      expect(r.code, r.stderr).toBe(0);
      const runbook = await readFile(join(base, 'site/_site/runbooks/mofed-doca-dtk/index.html'), 'utf8');
      expect(runbook).toContain('baseurl: &quot;https://cdn.example.com/cuda/rhel9/&quot;');
      for (const file of (await fileHashes(join(base, 'site'))).keys()) {
        const text = await readFile(join(base, 'site', file)).then((b) => b.toString('latin1'));
        for (const secret of ['s3cret', 't0ken', 'robot']) expect(text.includes(secret), `${secret} in ${file}`).toBe(false);
      }
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe('subsetMetadataFilter', () => {
  const modules = ['---', 'document: modulemd', 'version: 2', 'data:', '  name: nodejs', '  stream: "18"',
    '  artifacts:', '    rpms:', '    - nodejs-1:18.19.0-1.el9.x86_64', '...', '---', 'document: modulemd', 'version: 2', 'data:',
    '  name: tools', '  stream: "1"', '  artifacts:', '    rpms:', '    - tool-0:1.0-1.el9.noarch', '...', '---',
    'document: modulemd-defaults', 'version: 1', 'data:', '  module: nodejs', '  stream: "18"', '...', ''].join('\n');
  const rec = (name: string, epoch: string, version: string, release: string, arch: string) =>
    ({ name, epoch, version, release, arch }) as PackageRecord;

  it.each([
    [[rec('tool', '0', '1.0', '1.el9', 'noarch')], ['tools'], 'epoch 0 matches a package without one'],
    [[rec('nodejs', '1', '18.19.0', '1.el9', 'x86_64')], ['nodejs'], 'epoch 1'],
    [[], [], 'nothing present'],
  ])('%j keeps streams %j (%s), and the defaults', async (present, streams) => {
    const out = gunzipSync(await subsetMetadataFilter(present)('modules', 'x-modules.yaml.gz', gzipSync(modules))).toString();
    const docs = YAML.parseAllDocuments(out).map((d) => d.toJS());
    expect(docs.filter((d) => d.document === 'modulemd').map((d) => d.data.name)).toEqual(streams);
    expect(docs.filter((d) => d.document === 'modulemd-defaults')).toHaveLength(1);
  });
});
