/** Starts Debian's nginx on 127.0.0.1 (a free port) serving a directory, for tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running nginx; `url` ends with '/'. */
export interface Nginx { url: string; port: number; stop(): Promise<void> }

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Waits until `child` (named `what` in errors) accepts connections on `port`; throws if it exits or takes over 5 s. */
export async function waitForPort(port: number, child: ChildProcess, log: () => string, what = 'nginx'): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not start`);
}

/** Serves `root` (and `prefix`, e.g. '/mirror/', mapped onto it) until stop() is called. */
export async function startNginx(root: string, prefix = '/'): Promise<Nginx> {
  const location = prefix === '/' ? `location / { root ${root}; }` : `location ${prefix} { alias ${root}/; }`;
  const [server] = await startNginxServers((ports) => `server { listen 127.0.0.1:${ports[0]}; ${location} }`, 1, prefix);
  return server!;
}

/**
 * Starts one nginx with `count` free ports and the `server { ... }` blocks `servers(ports)`
 * gives (TLS, client-certificate checks, access logs are the caller's). Returns one handle
 * per port (`url` is http://127.0.0.1:PORT`prefix`); stopping any stops the nginx.
 */
export async function startNginxServers(servers: (ports: number[]) => string, count = 1, prefix = '/'): Promise<Nginx[]> {
  const dir = await mkdtemp(join(tmpdir(), 'airgap-nginx-'));
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  await writeFile(join(dir, 'nginx.conf'), `
${process.getuid?.() === 0 ? 'user root;' : ''}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  types { text/html html; text/xml xml; application/gzip gz; image/svg+xml svg; application/javascript js; text/css css; application/json json; application/x-rpm rpm; text/plain pub repo txt; }
  default_type application/octet-stream;
  ${servers(ports)}
}
`);
  const child = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  for (const port of ports) await waitForPort(port, child, () => err);
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= (async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    await rm(dir, { recursive: true, force: true });
  })());
  return ports.map((port) => ({ url: `http://127.0.0.1:${port}${prefix}`, port, stop }));
}
