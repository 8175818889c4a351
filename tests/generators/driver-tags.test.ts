/** Driver image tag rules against the exact examples of the field runbooks (seeds 000, 001, 002). */
import { describe, expect, it } from 'vitest';
import { docaDriverTag, docaMirrorTag, docaPrecompiledTag, gpuDriverTag, TagInputError } from '../../scripts/generators/driver-tags.ts';
import { cli } from '../helpers/cli.ts';

describe('GPU Operator precompiled driver tag (seed 001)', () => {
  it.each([
    // seed 001: quay.io/acme/nvidia-gpu-driver:550.54.14-5.14.0-284.54.1.el9_2.aarch64_64k-rhcos4.15
    [{ driverVersion: '550.54.14', kernelVersion: '5.14.0-284.54.1.el9_2.aarch64+64k', openshiftVersion: '4.15.0' }, '550.54.14-5.14.0-284.54.1.el9_2.aarch64_64k-rhcos4.15'],
    [{ driverVersion: '570.133.20', kernelVersion: '5.14.0-427.87.1.el9_4.aarch64', openshiftVersion: '4.18' }, '570.133.20-5.14.0-427.87.1.el9_4.aarch64-rhcos4.18'],
    [{ driverVersion: '550.127.05', kernelVersion: '5.14.0-427.87.1.el9_4.x86_64', openshiftVersion: '4.16.12' }, '550.127.05-5.14.0-427.87.1.el9_4.x86_64-rhcos4.16'],
  ])('%j → %s', (input, tag) => expect(gpuDriverTag(input)).toBe(tag));

  it.each([
    [{ driverVersion: '550', kernelVersion: '5.14.0-284.54.1.el9_2.aarch64', openshiftVersion: '4.15' }, /driver version "550"/],
    [{ driverVersion: '550.54.14', kernelVersion: '5.14.0-284.54.1.el9_2', openshiftVersion: '4.15' }, /kernel version .*expected <version>-<release>.<arch>/],
    [{ driverVersion: '550.54.14', kernelVersion: '5.14.0-284.54.1.el9_2.x86_64+64k', openshiftVersion: '4.15' }, /64k-page kernels exist only for aarch64/],
    [{ driverVersion: '550.54.14', kernelVersion: '5.14.0-284.54.1.el9_2.aarch64', openshiftVersion: 'rhcos4.15' }, /OpenShift version "rhcos4.15"/],
  ])('rejects %j', (input, message) => {
    expect(() => gpuDriverTag(input)).toThrow(TagInputError);
    expect(() => gpuDriverTag(input)).toThrow(message);
  });
});

describe('DOCA driver tags (seeds 000 and 002)', () => {
  it('maps the NGC tag of seed 000 to the mirror tag the runbook pushes', () => {
    expect(docaMirrorTag('doca3.1.0-25.07-0.9.7.0-0-rhcos4.18-arm64')).toBe('25.07-0.9.7.0-rhcos4.18-arm64');
    expect(docaDriverTag({ driverVersion: '25.07-0.9.7.0', openshiftVersion: '4.18', arch: 'aarch64' })).toBe('25.07-0.9.7.0-rhcos4.18-arm64');
    expect(docaDriverTag({ driverVersion: '25.07-0.9.7.0', openshiftVersion: '4.18.3', arch: 'x86_64' })).toBe('25.07-0.9.7.0-rhcos4.18-amd64');
  });

  it('builds the precompiled tag format of seed 002', () => {
    expect(docaPrecompiledTag({ version: '5.7-0.1.2.0-0', kernel: '5.15.0-91-generic', os: 'ubuntu', osVersion: '22.04', arch: 'amd64' })).toBe('5.7-0.1.2.0-0-5.15.0-91-generic-ubuntu22.04-amd64');
  });

  it.each(['doca3.1.0-25.07-0.9.7.0-rhcos4.18-arm64', '25.07-0.9.7.0-rhcos4.18-arm64', 'doca3.1.0-25.07-0.9.7.0-0-rhcos4.18-ppc64le'])('rejects upstream tag %s', (t) => {
    expect(() => docaMirrorTag(t)).toThrow(TagInputError);
  });
});

describe('driver-tag CLI', () => {
  it('prints the full seed 001 image name and rejects malformed input with exit 1', async () => {
    const ok = await cli(['driver-tag', 'gpu', '--driver-version', '550.54.14', '--kernel-version', '5.14.0-284.54.1.el9_2.aarch64+64k', '--openshift-version', '4.15.0', '--repository', 'quay.io/acme']);
    expect(ok.stdout).toBe('quay.io/acme/nvidia-gpu-driver:550.54.14-5.14.0-284.54.1.el9_2.aarch64_64k-rhcos4.15\n');
    const bad = await cli(['driver-tag', 'doca-mirror', '--upstream-tag', 'latest']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/upstream tag "latest": expected doca/);
  });
});
