/** Node pools from `oc get nodes -o json` and the images they need, as tables; the seeds' example tags exactly. */
import { describe, expect, it } from 'vitest';
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
    expect(requiredImages(pools, s).map((i) => `${i.kind} ${i.image}`)).toEqual([
      'gpu-precompiled quay.io/acme/nvidia/nvidia-gpu-driver:550.54.14-5.14.0-284.54.1.el9_2.aarch64_64k-rhcos4.15', // seed 001
      'doca-precompiled quay.io/acme/nvidia/mellanox/doca-driver:5.7-0.1.2.0-0-5.14.0-284.54.1.el9_2.aarch64_64k-rhcos4.15-arm64',
      'doca-dtk quay.io/acme/nvidia/mellanox/doca-driver:5.7-0.1.2.0-0-rhcos4.15-arm64',
      'doca-precompiled quay.io/acme/nvidia/mellanox/doca-driver:5.7-0.1.2.0-0-5.15.0-91-generic-ubuntu22.04-amd64', // seed 002
    ]);
  });
});
