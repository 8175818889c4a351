/** Node pools from `oc get nodes -o json` and the images they need, as tables; the seeds' example tags exactly. */
import { describe, expect, it } from 'vitest';
import { KernelVersionError, parseKernel } from '../../scripts/cluster/kernel-version.ts';
import { kernelTarget, wantedPackages } from '../../scripts/closure/profiles.ts';
import { kernelVersionsIn } from '../../scripts/preflight/dtk-preflight.ts';
import { nodePools, osOf } from '../../scripts/cluster/node-pools.ts';
import { requiredImages } from '../../scripts/cluster/required-images.ts';
import { resolveSettings } from '../../scripts/generators/settings.ts';

const node = (name: string, kernelVersion: string, osImage: string, architecture: string) =>
  ({ metadata: { name }, status: { nodeInfo: { kernelVersion, osImage, architecture } } });

describe('osOf', () => {
  it.each([
    ['Red Hat Enterprise Linux CoreOS 418.94.202509100653-0', { os: 'rhcos', osVersion: '4.18' }],
    ['Red Hat Enterprise Linux CoreOS 415.92.202402201450-0', { os: 'rhcos', osVersion: '4.15' }],
    ['Red Hat Enterprise Linux CoreOS 49.84.202110081407-0', { os: 'rhcos', osVersion: '4.9' }],
    ['Red Hat Enterprise Linux CoreOS 9.6.20250805-0 (Plow)', { os: 'rhcos', osVersion: '4.19' }],
    ['Red Hat Enterprise Linux 9.4 (Plow)', { os: 'rhel', osVersion: '9.4' }],
    ['Ubuntu 22.04.3 LTS', { os: 'ubuntu', osVersion: '22.04' }],
    ['Debian GNU/Linux 12 (bookworm)', undefined],
  ])('%s', (osImage, expected) => expect(osOf(osImage, '4.19.3')).toEqual(expected));
});

describe('pools and their images', () => {
  const s = resolveSettings({ registry: 'quay.io/acme', gpu: { driverVersion: '550.54.14' }, doca: { version: '5.7-0.1.2.0-0', image: 'doca-driver' } });

  it('groups nodes by kernel, OS and arch, and gives seed 001\'s and seed 002\'s tags exactly', () => {
    const pools = nodePools({ items: [
      node('gpu-1', '5.14.0-284.54.1.el9_2.aarch64+64k', 'Red Hat Enterprise Linux CoreOS 415.92.202402201450-0', 'arm64'),
      node('gpu-2', '5.14.0-284.54.1.el9_2.aarch64+64k', 'Red Hat Enterprise Linux CoreOS 415.92.202402201450-0', 'arm64'),
      node('nic-1', '5.15.0-91-generic', 'Ubuntu 22.04.3 LTS', 'amd64'),
    ] }, '4.15');
    expect(pools.map((p) => [p.id, p.nodes, p.arch, p.pages64k])).toEqual([
      ['rhcos4.15-5.14.0-284.54.1.el9_2.aarch64+64k', ['gpu-1', 'gpu-2'], 'aarch64', true],
      ['ubuntu22.04-5.15.0-91-generic', ['nic-1'], 'x86_64', false],
    ]);
    expect(requiredImages(pools, s).images.map((i) => `${i.kind} ${i.image}`)).toEqual([
      'gpu-precompiled quay.io/acme/nvidia/nvidia-gpu-driver:550.54.14-5.14.0-284.54.1.el9_2.aarch64_64k-rhcos4.15', // seed 001
      'doca-precompiled quay.io/acme/nvidia/mellanox/doca-driver:5.7-0.1.2.0-0-5.14.0-284.54.1.el9_2.aarch64_64k-rhcos4.15-arm64',
      'doca-dtk quay.io/acme/nvidia/mellanox/doca-driver:5.7-0.1.2.0-0-rhcos4.15-arm64',
      'doca-precompiled quay.io/acme/nvidia/mellanox/doca-driver:5.7-0.1.2.0-0-5.15.0-91-generic-ubuntu22.04-amd64', // seed 002
    ]);
  });

  it('a pool of a flavour no precompiled image exists for (+rt, +debug) gets a note, the other pools their tags', () => {
    const pools = nodePools({ items: [
      node('rt-1', '5.14.0-362.13.1.el9_3.x86_64+rt', 'Red Hat Enterprise Linux CoreOS 415.92.202402201450-0', 'amd64'),
      node('dbg-1', '5.14.0-427.13.1.el9_4.x86_64+debug', 'Red Hat Enterprise Linux CoreOS 415.92.202402201450-0', 'amd64'),
      node('std-1', '5.14.0-427.13.1.el9_4.x86_64', 'Red Hat Enterprise Linux CoreOS 415.92.202402201450-0', 'amd64'),
    ] }, '4.15');
    const { images, notes } = requiredImages(pools, s);
    expect(notes.map((n) => [n.pool, n.kind, n.problem])).toEqual([
      ['rhcos4.15-5.14.0-362.13.1.el9_3.x86_64+rt', 'gpu-precompiled', false],
      ['rhcos4.15-5.14.0-427.13.1.el9_4.x86_64+debug', 'gpu-precompiled', false],
    ]);
    expect(notes[0]!.text).toContain('no precompiled GPU driver image is built for +rt kernels');
    expect(images.filter((i) => i.kind === 'gpu-precompiled').map((i) => i.tag)).toEqual(['550.54.14-5.14.0-427.13.1.el9_4.x86_64-rhcos4.15']);
    expect(images.filter((i) => i.kind === 'doca-precompiled')).toHaveLength(3);
    const bad = requiredImages(pools, { ...s, gpu: { ...s.gpu, driverVersion: 'latest' } });
    expect(bad.notes.filter((n) => n.problem).map((n) => n.text)).toEqual(Array(3).fill(expect.stringMatching(/driver version "latest"/)));
    expect(bad.images.filter((i) => i.kind === 'doca-dtk')).toHaveLength(3);
  });
});

describe('one kernel version reader for every stage', () => {
  it.each([
    ['5.14.0-427.87.1.el9_4.aarch64', { versionRelease: '5.14.0-427.87.1.el9_4', arch: 'aarch64', flavour: 'standard' }],
    ['5.14.0-284.54.1.el9_2.aarch64+64k', { versionRelease: '5.14.0-284.54.1.el9_2', arch: 'aarch64', flavour: '64k' }],
    ['5.14.0-284.54.1.el9_2.aarch64_64k', { versionRelease: '5.14.0-284.54.1.el9_2', arch: 'aarch64', flavour: '64k' }],
    ['5.14.0-362.13.1.el9_3.x86_64+rt', { versionRelease: '5.14.0-362.13.1.el9_3', arch: 'x86_64', flavour: 'rt' }],
    ['4.18.0-513.11.1.rt7.313.el8_9.x86_64', { versionRelease: '4.18.0-513.11.1.rt7.313.el8_9', flavour: 'rt' }],
    ['5.14.0-427.13.1.el9_4.x86_64+debug', { flavour: 'debug' }],
    ['5.14.0-427.13.1.el9_4.aarch64+64k-debug', { flavour: '64k-debug' }],
    ['5.14.0-427.87.1.el9_4', { versionRelease: '5.14.0-427.87.1.el9_4', flavour: 'standard' }],
    ['5.15.0-91-generic', { versionRelease: '5.15.0-91-generic', flavour: 'standard' }],
  ])('%s', (kernel, want) => {
    expect(parseKernel(kernel)).toMatchObject(want);
  });

  it('refuses what is not a kernel version, naming it', () => {
    for (const k of ['latest', '', '5.14.0-1.el9.x86_64+', '5.14.0-1.el9.x86_64+R T']) {
      expect(() => parseKernel(k)).toThrow(KernelVersionError);
    }
  });

  it('an unknown flavour takes its own kernel-<flavour>-* packages in every profile', () => {
    const t = kernelTarget('5.14.0-427.13.1.el9_4.x86_64+debug');
    expect(wantedPackages(['doca-driver'], t).filter((w) => w.pinned).map((w) => w.name)).toEqual(['kernel-debug-devel', 'kernel-debug-modules']);
    expect(kernelVersionsIn([{ repoId: 'r', packages: [
      { name: 'kernel-debug-core', version: '5.14.0', release: '427.13.1.el9_4', arch: 'x86_64' },
      { name: 'kernel-rt-core', version: '4.18.0', release: '513.11.1.rt7.313.el8_9', arch: 'x86_64' },
    ] }] as never)).toEqual(['4.18.0-513.11.1.rt7.313.el8_9.x86_64', '5.14.0-427.13.1.el9_4.x86_64+debug']);
  });
});
