/**
 * Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 for image tests, optionally
 * behind htpasswd basic auth (`htpasswd -B` from apache2-utils), and a helper that pushes
 * small image manifests through the registry's HTTP API (blob upload, manifest PUT), as
 * `skopeo copy` would.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run.ts';

/** A running registry; `url` is `http://127.0.0.1:PORT` (no trailing slash), `host` is `127.0.0.1:PORT`. */
export interface Registry { url: string; host: string; stop(): Promise<void> }

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a registry; with `user`, only that user (password `password`) may use it. */
export async function startRegistry(user?: { name: string; password: string }): Promise<Registry> {
  const dir = await mkdtemp(join(tmpdir(), 'airgap-registry-'));
  const port = await freePort();
  let auth = '';
  if (user) {
    const r = await run('htpasswd', ['-Bbn', user.name, user.password]);
    if (r.code !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
    await writeFile(join(dir, 'htpasswd'), r.stdout);
    auth = `auth: { htpasswd: { realm: airgap-test, path: ${join(dir, 'htpasswd')} } }\n`;
  }
  await writeFile(join(dir, 'config.yml'), `version: 0.1\nlog: { level: error }\n`
    + `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }\nhttp: { addr: 127.0.0.1:${port} }\n${auth}`);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || i > 100) throw new Error(`docker-registry did not start: ${err}`);
    const up = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Pushes one small image (a config and one layer) under each of `tags` of repository `name`. */
export async function pushTags(reg: Registry, name: string, tags: string[], user?: { name: string; password: string }): Promise<void> {
  const headers: Record<string, string> = user ? { authorization: `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}` } : {};
  const blob = async (data: Buffer) => {
    const start = await fetch(`${reg.url}/v2/${name}/blobs/uploads/`, { method: 'POST', headers });
    if (start.status !== 202) throw new Error(`blob upload start: HTTP ${start.status}`);
    const loc = new URL(start.headers.get('location')!, reg.url);
    loc.searchParams.set('digest', sha(data));
    const put = await fetch(loc, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: new Uint8Array(data) });
    if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status}`);
    return { digest: sha(data), size: data.length };
  };
  const config = await blob(Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })));
  const layer = await blob(Buffer.from('airgap-mirror test layer'));
  const manifest = JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
  });
  for (const tag of tags) {
    const r = await fetch(`${reg.url}/v2/${name}/manifests/${tag}`, {
      method: 'PUT', headers: { ...headers, 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: manifest });
    if (r.status !== 201) throw new Error(`manifest ${name}:${tag}: HTTP ${r.status} ${await r.text()}`);
  }
}
