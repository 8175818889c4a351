/**
 * IDMS/ITMS generation and the coverage check on a pod image list (the `oc get pods -A -o
 * jsonpath=...` output of seed 004): exactly the uncovered images are reported, with the
 * seed's pitfalls named (tag pulls need ITMS, docker.io vs registry-1.docker.io, the longest
 * matching source wins).
 */
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { checkCoverage, mirrorSets, parseImageRef } from '../../scripts/generators/mirror-sets.ts';
import { readBuildConfig } from '../../scripts/scan/build-config.ts';
import { cli, ROOT } from '../helpers/cli.ts';

const CONFIG = `${ROOT}tests/fixtures/generators/ai-platform.config.yaml`;
const IMAGES = `${ROOT}tests/fixtures/generators/pod-images.txt`;

describe('image references', () => {
  it.each([
    ['nginx', { repository: 'docker.io/library/nginx' }],
    ['jupyter/scipy-notebook:2024-10-07', { repository: 'docker.io/jupyter/scipy-notebook', tag: '2024-10-07' }],
    ['localhost:5000/a/b:1', { repository: 'localhost:5000/a/b', tag: '1' }],
    ['quay.io/x/y:1@sha256:ab', { repository: 'quay.io/x/y', tag: '1', digest: 'sha256:ab' }],
  ])('%s', (image, ref) => expect(parseImageRef(image)).toEqual(ref));
});

describe('coverage of the seed 004 mirror sets', () => {
  it('reports exactly the uncovered pod images, with the reason', async () => {
    const { settings } = await readBuildConfig(CONFIG);
    const report = checkCoverage((await readFile(IMAGES, 'utf8')).split('\n'), settings.imageMirrors);
    const uncovered = Object.fromEntries(report.filter((c) => !c.covered).map((c) => [c.image, c.reason]));
    expect(Object.keys(uncovered).sort()).toEqual([
      'busybox:1.36',
      'docker.io/mpioperator/mpi-operator:0.6.0',
      'ghcr.io/grafana/grafana-operator:v5.15.1',
      'nvcr.io/nvidia/k8s/dcgm-exporter@sha256:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809',
      'runai.jfrog.io/core-llm/runai-vllm:v0.6.4',
    ]);
    expect(uncovered['docker.io/mpioperator/mpi-operator:0.6.0']).toMatch(/registry-1.docker.io\/mpioperator is listed, but sources match as exact strings: add docker.io\/mpioperator/);
    expect(uncovered['ghcr.io/grafana/grafana-operator:v5.15.1']).toMatch(/pulled by tag, but the most specific source ghcr.io\/grafana has only digest mirrors/);
    expect(uncovered['nvcr.io/nvidia/k8s/dcgm-exporter@sha256:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809']).toMatch(/pulled by digest, but the most specific source nvcr.io\/nvidia has only tag mirrors/);
    expect(report.find((c) => c.image === 'nvcr.io/nvidia/mellanox/doca-driver:25.07-0.9.7.0-rhcos4.18-arm64')?.source).toBe('nvcr.io/nvidia/mellanox');
    expect(report.find((c) => c.image === 'jupyter/scipy-notebook:2024-10-07')?.covered).toBe(true);
  });

  it('the CLI prints the same verdicts and exits 2', async () => {
    const r = await cli(['mirror-coverage', '--config', CONFIG, '--images', IMAGES]);
    expect(r.code).toBe(2);
    expect(r.stdout.match(/^UNCOVERED/gm)).toHaveLength(5);
    expect(r.stdout).toContain('17 images, 5 not covered');
  });

  it('generates one IDMS and one ITMS with every source in its set', async () => {
    const { settings } = await readBuildConfig(CONFIG);
    const { idms, itms } = mirrorSets(settings.imageMirrors);
    const d = YAML.parse(idms), t = YAML.parse(itms);
    expect(d.kind).toBe('ImageDigestMirrorSet');
    expect(d.spec.imageDigestMirrors.map((m: { source: string }) => m.source)).toEqual(['quay.io/community-operator-pipeline-prod', 'ghcr.io/grafana', 'docker.io/grafana', 'registry-1.docker.io/prom']);
    expect(t.kind).toBe('ImageTagMirrorSet');
    expect(t.spec.imageTagMirrors).toHaveLength(11);
    expect(t.spec.imageTagMirrors[0]).toEqual({ source: 'quay.io/dell/container-storage-modules', mirrors: ['registry.example.com/mirror/dell/container-storage-modules'] });
  });
});
