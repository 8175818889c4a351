/**
 * Every generated Kubernetes manifest parses as YAML and validates against the published
 * CRD schema (tests/fixtures/crds, sources in SOURCES.md), closed to unknown fields.
 */
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { clusterPolicy, nicClusterPolicy, nvidiaDriver } from '../../scripts/generators/operator-crs.ts';
import { mirrorSets } from '../../scripts/generators/mirror-sets.ts';
import { resolveSettings } from '../../scripts/generators/settings.ts';
import { readBuildConfig } from '../../scripts/scan/build-config.ts';
import { crdValidator } from '../helpers/crd-schema.ts';
import { ROOT } from '../helpers/cli.ts';

const settings = resolveSettings({ registry: 'registry-arm.server.lab:8443/nvidia/certified-operator', doca: { version: '25.07-0.9.7.0' }, gpu: { driverVersion: '550.127.05' } });

describe('operator custom resources', () => {
  it.each([
    ['NicClusterPolicy', 'nicclusterpolicy.crd.yaml', () => nicClusterPolicy(settings)],
    ['NVIDIADriver', 'nvidiadriver.crd.yaml', () => nvidiaDriver(settings)],
    ['ClusterPolicy', 'clusterpolicy.crd.yaml', () => clusterPolicy()],
  ])('%s validates against its CRD', async (_kind, crd, make) => {
    const validate = await crdValidator(crd);
    expect(validate(YAML.parse(make()))).toEqual([]);
  });

  it('NicClusterPolicy carries the seed 000 values from the settings', () => {
    const doc = YAML.parse(nicClusterPolicy(settings));
    expect(doc.spec.ofedDriver).toEqual({ image: 'doca-driver-container', repository: 'registry-arm.server.lab:8443/nvidia/certified-operator/nvidia/mellanox', version: '25.07-0.9.7.0', forcePrecompiled: false, repoConfig: { name: 'repo-config' } });
  });

  it('the seed 000 NicClusterPolicy, as typed by hand, fails: ofedDriver has no `deploy` field', async () => {
    const validate = await crdValidator('nicclusterpolicy.crd.yaml');
    const handTyped = { apiVersion: 'mellanox.com/v1alpha1', kind: 'NicClusterPolicy', metadata: { name: 'nic-cluster-policy' }, spec: { ofedDriver: { deploy: true, repoConfig: { name: 'repo-config' }, image: 'doca-driver-container', repository: 'registry-arm.server.lab:8443/nvidia/certified-operator/nvidia/mellanox', version: '25.07-0.9.7.0' } } };
    expect(validate(handTyped)).toEqual(['/spec/ofedDriver must NOT have additional properties (deploy)']);
  });
});

describe('mirror sets', () => {
  it('IDMS and ITMS from the seed 004 mapping validate against their CRDs', async () => {
    const { settings: s } = await readBuildConfig(`${ROOT}tests/fixtures/generators/ai-platform.config.yaml`);
    const { idms, itms } = mirrorSets(s.imageMirrors);
    expect((await crdValidator('imagedigestmirrorset.crd.yaml'))(YAML.parse(idms))).toEqual([]);
    expect((await crdValidator('imagetagmirrorset.crd.yaml'))(YAML.parse(itms))).toEqual([]);
  });
});
