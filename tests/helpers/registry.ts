/**
 * Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 for image tests, optionally
 * behind htpasswd basic auth (`htpasswd -B` from apache2-utils), and a helper that pushes
 * small image manifests through the registry's HTTP API (blob upload, manifest PUT), as
 * `skopeo copy` would.
 */
import { spawn } from 'node:child_process';
import { createHash, sign, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { freePort, waitForPort } from './nginx.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run.ts';

/** A running registry; `url` is `http(s)://127.0.0.1:PORT` (no trailing slash), `host` is `127.0.0.1:PORT`. */
export interface Registry { url: string; host: string; stop(): Promise<void> }

/** Token authentication of a registry: the token service URL, service and issuer names, the issuer's certificate file. */
export interface TokenAuth { realm: string; service: string; issuer: string; rootcertbundle: string }

/**
 * Starts a registry; with `user`, only that user (password `password`) may use it; with
 * `token`, it asks for Bearer tokens of that token service; `storage` shares another
 * registry's storage directory (to serve what was pushed to it); `tls` serves https with that
 * certificate and key (PEM files).
 */
export async function startRegistry(user?: { name: string; password: string },
  o: { token?: TokenAuth; storage?: string; tls?: { cert: string; key: string } } = {}):
  Promise<Registry & { storage: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'airgap-registry-'));
  const port = await freePort();
  const storage = o.storage ?? join(dir, 'data');
  let auth = o.token ? `auth: { token: ${JSON.stringify(o.token)} }\n` : '';
  if (user) {
    const r = await run('htpasswd', ['-Bbn', user.name, user.password]);
    if (r.code !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
    await writeFile(join(dir, 'htpasswd'), r.stdout);
    auth = `auth: { htpasswd: { realm: airgap-test, path: ${join(dir, 'htpasswd')} } }\n`;
  }
  await writeFile(join(dir, 'config.yml'), `version: 0.1\nlog: { level: error }\n`
    + `storage: { filesystem: { rootdirectory: ${storage} } }\nhttp: { addr: 127.0.0.1:${port}`
    + `${o.tls ? `, tls: { certificate: ${o.tls.cert}, key: ${o.tls.key} }` : ''} }\n${auth}`);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  await waitForPort(port, child, () => err, 'docker-registry');
  return {
    url: `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, storage,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A token service for a registry's Bearer authentication (the Docker registry token spec
 * distribution 2.8 verifies): GET `/token?service=&scope=` with the user's Basic credentials
 * returns `{ token }`, a JWT signed RS256 with an openssl-made key whose certificate is in
 * `x5c`, granting `pull` on the scope's repository. Every token request is counted.
 */
export async function startTokenService(user: { name: string; password: string }):
  Promise<{ auth: TokenAuth; requests: string[]; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'airgap-token-'));
  const r = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=airgap-test-issuer',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  if (r.code !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  const key = await readFile(join(dir, 'key.pem'), 'utf8');
  const der = new X509Certificate(await readFile(join(dir, 'cert.pem'))).raw.toString('base64');
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const requests: string[] = [];
  const expected = `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}`;
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url.searchParams.get('scope') ?? '');
    if (req.headers.authorization !== expected) { res.writeHead(401).end(); return; }
    const [type, name] = (url.searchParams.get('scope') ?? '').split(':');
    const now = Math.floor(Date.now() / 1000);
    const body = `${b64({ alg: 'RS256', typ: 'JWT', x5c: [der] })}.${b64({
      iss: 'airgap-test-issuer', sub: user.name, aud: url.searchParams.get('service'), iat: now, nbf: now - 10, exp: now + 300,
      jti: String(requests.length), access: type ? [{ type, name, actions: ['pull'] }] : [] })}`;
    const token = `${body}.${sign('RSA-SHA256', Buffer.from(body), key).toString('base64url')}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    auth: { realm: `http://127.0.0.1:${port}/token`, service: 'airgap-test-registry', issuer: 'airgap-test-issuer',
      rootcertbundle: join(dir, 'cert.pem') },
    requests,
    stop: async () => {
      await new Promise((resolve) => server.close(resolve));
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
