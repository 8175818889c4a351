/**
 * `images check` and `images list` for a 3-node, 2-pool cluster (tests/fixtures/cluster/)
 * against Debian's docker-registry on 127.0.0.1, filled by pushing manifests through its
 * HTTP API: without auth, and behind htpasswd basic auth with credentials from an auth.json.
 * More tags than one page make the client follow `Link` pagination.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { Ajv } from 'ajv';
import { cli, ROOT, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { startNginx, startNginxServers } from '../helpers/nginx.ts';
import { launchBrowser, watchedPage } from '../helpers/browser.ts';
import { run } from '../helpers/run.ts';
import { pushTags, startRegistry, startTokenService, type Registry } from '../helpers/registry.ts';
import { makeCerts, type Certs } from '../helpers/upstream.ts';
import { waitFor } from '../helpers/wait-for.ts';

const NODES = `${ROOT}tests/fixtures/cluster/nodes.json`;
const CONFIG = `${ROOT}tests/fixtures/cluster/cluster.config.yaml`;
const GPU = 'mirror/nvidia/nvidia-gpu-driver', DOCA = 'mirror/nvidia/mellanox/doca-driver';
const A = 'rhcos4.18-5.14.0-427.87.1.el9_4.aarch64', B = 'rhcos4.15-5.14.0-284.54.1.el9_2.aarch64+64k';
const PRESENT = {
  [GPU]: ['570.133.20-5.14.0-427.87.1.el9_4.aarch64-rhcos4.18', '570.133.20-5.14.0-284.54.1.el9_2.aarch64_64k-rhcos4.15'],
  [DOCA]: ['25.07-0.9.7.0-5.14.0-427.87.1.el9_4.aarch64-rhcos4.18-arm64', '25.07-0.9.7.0-rhcos4.18-arm64', '25.07-0.9.7.0-rhcos4.15-arm64'],
};
const MISSING_TAG = '25.07-0.9.7.0-5.14.0-284.54.1.el9_2.aarch64_64k-rhcos4.15-arm64';
// 120 tags that sort before the real ones: with 50 a page the real ones are on page 3
const FILLER = Array.from({ length: 120 }, (_, i) => `0-filler-${String(i).padStart(3, '0')}`);

let work: string;
beforeAll(async () => { work = await mkdtemp(join(tmpdir(), 'airgap-images-')); });
afterAll(async () => { await rm(work, { recursive: true, force: true }); });

/** Writes a podman-style auth.json with `user`'s login for `host`. */
const writeAuthFile = (file: string, host: string, user: { name: string; password: string }) =>
  writeFile(file, JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${user.name}:${user.password}`).toString('base64') } } }));

async function fill(reg: Registry, user?: { name: string; password: string }) {
  await pushTags(reg, GPU, PRESENT[GPU]!, user);
  await pushTags(reg, DOCA, [...FILLER, ...PRESENT[DOCA]!], user);
}

const check = (reg: Registry, extra: string[] = []) => cli(['images', 'check', '--nodes', NODES, '--config', CONFIG,
  '--registry', reg.url, '--insecure', '--page-size', '50', ...extra]);

describe('images check against a registry without auth', () => {
  let reg: Registry;
  beforeAll(async () => { reg = await startRegistry(); await fill(reg); });
  afterAll(async () => { await reg?.stop(); });

  it('reports every present tag and the one missing pool tag exactly, exit 2', async () => {
    const json = join(work, 'verdicts.json');
    const r = await check(reg, ['--json', json]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain(`pool ${A} (aarch64; 2 nodes: worker-a1, worker-a2)`);
    expect(r.stdout).toContain(`pool ${B} (aarch64, 64k pages; 1 nodes: gpu-64k-b1)`);
    expect(r.stdout).toContain(`  MISSING      doca-precompiled  tag ${MISSING_TAG} in registry.lab:5000/${DOCA} (no such tag)`);
    expect(r.stdout).toContain('Summary: 2 pools, 5 images present, 1 missing, 0 not checkable.');
    const verdicts = JSON.parse(await readFile(json, 'utf8')).verdicts as { pool: string; tag: string; status: string }[];
    expect(verdicts.map((v) => `${v.pool} ${v.tag} ${v.status}`).sort()).toEqual([
      `${A} ${PRESENT[GPU]![0]} present`, `${A} ${PRESENT[DOCA]![0]} present`, `${A} ${PRESENT[DOCA]![1]} present`,
      `${B} ${PRESENT[GPU]![1]} present`, `${B} ${MISSING_TAG} missing`, `${B} ${PRESENT[DOCA]![2]} present`,
    ].sort());
  });

  it('shows the pools, their images and the registry verdicts on the cluster page and in the runbooks (Chromium)', async () => {
    const site = join(work, 'site');
    const b = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', site, '--config', CONFIG, '--nodes', NODES,
      '--images-check', join(work, 'verdicts.json')]);
    expect(b.code, b.stderr).toBe(0);
    const server = await startNginx(site);
    const browser = await launchBrowser();
    try {
      const w = await watchedPage(browser, new URL(server.url).origin);
      await w.page.goto(`${server.url}_site/cluster/`);
      const pools = w.page.getByTestId('pools').locator('tbody tr');
      expect(await pools.count()).toBe(2);
      expect(await pools.nth(1).textContent()).toContain('worker-a1, worker-a2');
      expect(await w.page.locator(`tr[data-pool="${A}"] td`).last().textContent()).toBe('ready'); // the sample mirror's kernel
      expect(await w.page.locator(`tr[data-pool="${B}"] td`).last().textContent()).toBe('kernel packages not in this mirror');
      const missing = w.page.locator('tr[data-status="missing"]');
      expect(await missing.count()).toBe(1);
      expect(await missing.textContent()).toContain(`registry.lab:5000/${DOCA}:${MISSING_TAG}`);
      expect(await missing.textContent()).toContain('MISSING: no such tag');
      expect(await w.page.locator('tr[data-status="present"]').count()).toBe(5);
      await w.page.goto(`${server.url}_site/runbooks/network-operator-precompiled/`);
      const snippets = await w.page.locator('pre[data-copy]').allTextContents();
      expect(snippets).toContain(`registry.lab:5000/${DOCA}:${MISSING_TAG}`);
      expect(snippets).toContain(`registry.lab:5000/${DOCA}:${PRESENT[DOCA]![0]}`);
      await w.page.goto(`${server.url}_site/runbooks/precompiled-gpu-driver/`);
      expect(await w.page.locator('pre[data-copy]').allTextContents()).toContain(`registry.lab:5000/${GPU}:${PRESENT[GPU]![1]}`);
      expect(w.consoleErrors).toEqual([]);
      expect(w.offHostRequests).toEqual([]);
    } finally {
      await browser.close();
      await server.stop();
    }
  });

  it('goes through HTTP_PROXY, and around it for NO_PROXY hosts', async () => {
    const log = join(work, 'proxy.log');
    const [proxy] = await startNginxServers((ports) => `log_format proxy '$request_method $http_host $uri $status';
      server { listen 127.0.0.1:${ports[0]}; access_log ${log} proxy; location / { proxy_pass http://$http_host$uri$is_args$args; } }`);
    // nginx may log a request a moment after its client saw the response: a sentinel request through the
    // proxy is waited for in the log (one worker logs in the order requests finish); sentinel lines left out
    let sentinels = 0;
    const logged = async () => {
      const mark = `/__log-sentinel/${++sentinels}`;
      await (await fetch(new URL(mark, proxy!.url), { headers: { host: new URL(reg.url).host } })).arrayBuffer();
      const text = () => readFile(log, 'utf8').catch(() => '');
      await waitFor(`nginx to log ${mark}`, work, async () => (await text()).includes(mark));
      return (await text()).trim().split('\n').filter((l) => !l.includes('/__log-sentinel/'));
    };
    try {
      const via = await cli(['images', 'check', '--nodes', NODES, '--config', CONFIG, '--registry', reg.url, '--insecure'],
        { env: { HTTP_PROXY: proxy!.url, NO_PROXY: '' } });
      expect(via.stdout).toContain('Summary: 2 pools, 5 images present, 1 missing, 0 not checkable.');
      const lines = await logged();
      expect(lines).toContain(`GET ${new URL(reg.url).host} /v2/${GPU}/tags/list 200`);
      const before = lines.length;
      const direct = await cli(['images', 'check', '--nodes', NODES, '--config', CONFIG, '--registry', reg.url, '--insecure'],
        { env: { HTTP_PROXY: proxy!.url, NO_PROXY: '127.0.0.1' } });
      expect(direct.stdout).toContain('5 images present, 1 missing');
      expect(await logged()).toHaveLength(before);
    } finally {
      await proxy!.stop();
    }
  });

  it('exits 0 once the missing tag is pushed', async () => {
    await pushTags(reg, DOCA, [MISSING_TAG]);
    const r = await check(reg);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Summary: 2 pools, 6 images present, 0 missing, 0 not checkable.');
  });
});

describe('images check against a registry behind htpasswd basic auth', () => {
  const user = { name: 'mirror-reader', password: 'not-a-secret' };
  let reg: Registry;
  beforeAll(async () => { reg = await startRegistry(user); await fill(reg, user); });
  afterAll(async () => { await reg?.stop(); });

  it('logs in with the auth.json credentials for the registry host', async () => {
    const auth = join(work, 'auth.json');
    await writeAuthFile(auth, reg.host, user);
    const r = await check(reg, ['--authfile', auth]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Summary: 2 pools, 5 images present, 1 missing, 0 not checkable.');
  });

  it('without credentials, every image is not checkable, with why', async () => {
    const empty = join(work, 'empty-auth.json');
    await writeFile(empty, JSON.stringify({ auths: {} }));
    const r = await check(reg, ['--authfile', empty]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/not checked {2}gpu-precompiled {3}registry\.lab:5000\/mirror\/nvidia\/nvidia-gpu-driver:.*: HTTP 401 .*has none in the auth file/);
    expect(r.stdout).toContain('Summary: 2 pools, 0 images present, 0 missing, 6 not checkable.');
  });
});

describe('images check against a registry asking for Bearer tokens', () => {
  const user = { name: 'token-user', password: 'token-pass' };
  let filled: Registry & { storage: string };
  let reg: Registry;
  let tokens: Awaited<ReturnType<typeof startTokenService>>;
  beforeAll(async () => {
    filled = await startRegistry(); // filled without auth, then served by a second registry on the same storage
    await fill(filled);
    tokens = await startTokenService(user);
    reg = await startRegistry(undefined, { token: tokens.auth, storage: filled.storage });
  });
  afterAll(async () => {
    await reg?.stop();
    await filled?.stop();
    await tokens?.stop();
  });

  it('gets a token per repository scope from the realm, with the auth.json credentials', async () => {
    const auth = join(work, 'token-auth.json');
    await writeAuthFile(auth, reg.host, user);
    const r = await check(reg, ['--authfile', auth]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Summary: 2 pools, 5 images present, 1 missing, 0 not checkable.');
    expect([...new Set(tokens.requests)].sort()).toEqual([`repository:${DOCA}:pull`, `repository:${GPU}:pull`]);
  });
});

describe('images check against a registry serving TLS with its own CA', () => {
  let filled: Registry & { storage: string };
  let reg: Registry;
  let certs: Certs;
  beforeAll(async () => {
    filled = await startRegistry(); // filled over http, then served over TLS by a second registry on the same storage
    await fill(filled);
    certs = await makeCerts(await mkdtemp(join(work, 'certs-')));
    reg = await startRegistry(undefined, { storage: filled.storage, tls: { cert: certs.serverCert, key: certs.serverKey } });
  });
  afterAll(async () => {
    await reg?.stop();
    await filled?.stop();
  });
  const tlsCheck = (extra: string[]) => cli(['images', 'check', '--nodes', NODES, '--config', CONFIG, '--registry', reg.url,
    '--page-size', '50', ...extra]);

  it('--ca verifies the registry and checks every image', async () => {
    const r = await tlsCheck(['--ca', certs.ca]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('Summary: 2 pools, 5 images present, 1 missing, 0 not checkable.');
  });

  it('without the CA nothing is checkable, and --insecure (plain http) does not turn verification off', async () => {
    for (const extra of [[], ['--insecure']]) {
      const r = await tlsCheck(extra);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain('Summary: 2 pools, 0 images present, 0 missing, 6 not checkable.');
      expect(r.stdout).toMatch(/not checked .*(certificate|self.signed|issuer)/i);
    }
  });

  it('--tls-verify=false skips verification, as podman and skopeo spell it; plain http needs --insecure', async () => {
    const r = await tlsCheck(['--tls-verify=false']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('Summary: 2 pools, 5 images present, 1 missing, 0 not checkable.');
    const plain = await cli(['images', 'check', '--nodes', NODES, '--config', CONFIG, '--registry', filled.url]);
    expect(plain.code).toBe(1);
    expect(plain.stderr.trim()).toBe(`airgap-mirror: --registry ${filled.url}: plain http needs --insecure (the registry serves no TLS)`);
  });
});

describe('images list', () => {
  it('writes an oc-mirror v2 ImageSetConfiguration of the sourced images', async () => {
    const r = await cli(['images', 'list', '--nodes', NODES, '--config', CONFIG]);
    expect(r.code, r.stderr).toBe(0);
    const doc = YAML.parse(r.stdout);
    const schema = JSON.parse(await readFile(`${ROOT}tests/fixtures/cluster/imagesetconfiguration-v2alpha1.schema.json`, 'utf8'));
    const validate = new Ajv({ allErrors: true }).compile(schema);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.mirror.additionalImages.map((i: { name: string }) => i.name)).toEqual([
      'nvcr.io/nvidia/mellanox/doca-driver:25.07-0.9.7.0-5.14.0-284.54.1.el9_2.aarch64_64k-rhcos4.15-arm64',
      'nvcr.io/nvidia/mellanox/doca-driver:25.07-0.9.7.0-5.14.0-427.87.1.el9_4.aarch64-rhcos4.18-arm64',
      'nvcr.io/nvidia/mellanox/doca-driver:25.07-0.9.7.0-rhcos4.15-arm64',
      'nvcr.io/nvidia/mellanox/doca-driver:25.07-0.9.7.0-rhcos4.18-arm64',
    ]);
    expect(r.stdout).toContain('# no source in settings.imageMirrors (build or push it): registry.lab:5000/mirror/nvidia/nvidia-gpu-driver:570.133.20-5.14.0-427.87.1.el9_4.aarch64-rhcos4.18');
  });

  it('writes a skopeo copy script that bash accepts', async () => {
    const out = join(work, 'copy-images.sh');
    const r = await cli(['images', 'list', '--nodes', NODES, '--config', CONFIG, '--format', 'skopeo', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(out, 'utf8');
    expect(text).toContain(`skopeo copy --all --authfile "$AUTH" 'docker://nvcr.io/nvidia/mellanox/doca-driver:25.07-0.9.7.0-rhcos4.18-arm64' 'docker://registry.lab:5000/mirror/nvidia/mellanox/doca-driver:25.07-0.9.7.0-rhcos4.18-arm64'`);
    expect((await run('bash', ['-n', out])).code).toBe(0);
  });
});
