/**
 * Runbook pages render with the sample mirror's real values (Chromium on nginx), and the
 * sample build config's settings reach them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import type { Browser } from 'playwright-core';
import { cli, ROOT, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { startNginx, type Nginx } from '../helpers/nginx.ts';
import { launchBrowser, watchedPage } from '../helpers/browser.ts';
import { checkLinks } from '../helpers/link-check.ts';
import { parseWith } from '../../scripts/config/read-config.ts';
import { ConfigFileSchema } from '../../scripts/config/config-schema.ts';

let base: string, server: Nginx, browser: Browser;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-runbooks-'));
  const out = join(base, 'dist');
  server = await startNginx(out);
  const r = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', out, '--config', `${ROOT}sample-mirror.config.yaml`, '--base-url', server.url]);
  expect(r.code, r.stderr).toBe(0);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await rm(base, { recursive: true, force: true });
});

describe('the MOFED/DOCA runbook in Chromium', () => {
  it('shows this mirror\'s kernel, repo files, ConfigMap, image and NicClusterPolicy', async () => {
    const w = await watchedPage(browser, new URL(server.url).origin);
    await w.page.goto(`${server.url}_site/runbooks/mofed-doca-dtk/`);
    expect(await w.page.locator('code[data-value="primaryKernel"]').first().textContent()).toBe('5.14.0-427.87.1.el9_4.aarch64');
    expect(await w.page.getByText('KERNEL_VERSION 5.14.0-427.87.1.el9_4.aarch64').textContent()).toContain('KERNEL_VERSION');
    const snippets = await w.page.locator('pre[data-copy]').allTextContents();
    const configMap = YAML.parse(snippets.find((s) => s.startsWith('apiVersion: v1\nkind: ConfigMap'))!);
    expect(configMap.metadata).toEqual({ name: 'repo-config', namespace: 'nvidia-network-operator' });
    expect(configMap.data['ubi.repo']).toContain(`baseurl=${server.url}ubi9/baseos/`);
    expect(configMap.data['cuda.repo']).toContain(`gpgkey=${server.url}cuda-rhel9-aarch64/4AC94EA0.pub`);
    expect(snippets).toContain('registry-arm.server.lab:8443/nvidia/certified-operator/nvidia/mellanox/doca-driver-container:25.07-0.9.7.0-rhcos4.18-arm64');
    const sync = parseWith(ConfigFileSchema, YAML.parse(snippets.find((s) => s.includes('# airgap-mirror sync config'))!), 'sync.yaml');
    expect(sync.sync!.repos.find((r) => r.id === 'ubi9-baseos')).toMatchObject({ path: 'ubi9/baseos',
      baseurl: 'https://cdn-ubi.redhat.com/content/public/ubi/dist/ubi9/9/aarch64/baseos/os/' });
    expect(sync.sync!.repos.find((r) => r.id === 'cuda-rhel9-aarch64')!.baseurl)
      .toBe('https://developer.download.nvidia.com/compute/cuda/repos/rhel9/sbsa/');
    expect(sync.sync!.repos.find((r) => r.path === 'rhocp-4.18-for-rhel-9-aarch64-rpms')).toMatchObject({
      baseurl: 'https://cdn.redhat.com/content/dist/layered/rhel9/aarch64/rhocp/4.18/os/',
      sslcacert: '/etc/rhsm/ca/redhat-uep.pem' });
    expect(sync.sync!.closure).toMatchObject({ profiles: ['doca-driver'], kernels: ['5.14.0-427.87.1.el9_4.aarch64'] });
    const ncp = YAML.parse(snippets.find((s) => s.includes('kind: NicClusterPolicy'))!);
    expect(ncp.spec.ofedDriver).toMatchObject({ repository: 'registry-arm.server.lab:8443/nvidia/certified-operator/nvidia/mellanox', version: '25.07-0.9.7.0', repoConfig: { name: 'repo-config' } });
    await w.page.getByRole('link', { name: /KERNEL_VERSION/ }).click();
    await w.page.waitForLoadState();
    expect(await w.page.locator('h1').textContent()).toBe('DTK preflight: 5.14.0-427.87.1.el9_4.aarch64');
    expect(await w.page.getByTestId('required').locator('tbody tr').count()).toBe(12); // profile doca-driver
    expect(w.consoleErrors).toEqual([]);
    expect(w.offHostRequests).toEqual([]);
  });

  it('the GPU runbook lists the precompiled tag for the mirror\'s kernel', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}_site/runbooks/precompiled-gpu-driver/`);
    expect(await page.locator('pre[data-copy]').allTextContents()).toContain('registry-arm.server.lab:8443/nvidia/certified-operator/nvidia/nvidia-gpu-driver:570.133.20-5.14.0-427.87.1.el9_4.aarch64-rhcos4.18');
    await page.close();
  });

  it('every runbook and DTK page is linked and no link is broken', async () => {
    const r = await checkLinks(server.url, server.url);
    expect(r.broken).toEqual([]);
    const home = await (await fetch(server.url)).text();
    for (const slug of ['mofed-doca-dtk', 'precompiled-gpu-driver', 'network-operator-precompiled', 'offline-artifacts', 'image-mirror-sets', 'serve-this-mirror', 'carry-this-mirror']) expect(home).toContain(`_site/runbooks/${slug}/`);
  });
});
