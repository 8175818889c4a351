/**
 * An "upstream" for sync tests, made on disk from the sample mirror and the real RPMs with
 * the real tools: createrepo_c and modifyrepo_c (repodata with comps, updateinfo and
 * modules), gpg (a detached `repomd.xml.asc` and its `repomd.xml.key`, as CUDA publishes),
 * and openssl (a CA, a server certificate for 127.0.0.1 and a client certificate, for a
 * repo behind nginx's client-certificate check, as the Red Hat CDN's entitlement).
 *
 * Repos: `ubi9/appstream` (the sample's, upstream repodata kept byte for byte, signed),
 * `ubi9/baseos` (the sample's packages, repodata by createrepo_c),
 * `rhocp` (the sample kernel packages and their source RPM), `multi` (two versions of
 * patch and hostname, aarch64, noarch, x86_64 and src packages, a module stream and two
 * groups, for subset selections), `hostile` (createrepo_c `--location-prefix ../../escape/`: every
 * location leaves the repo) and `external` (`-u`: an `xml:base` on another host).
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { run } from './run.ts';
import { REAL_RPMS, ROOT, SAMPLE_MIRROR } from './cli.ts';

/** PEM files made by openssl for the TLS repo. */
export interface Certs { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string }

/** The upstream tree and its certificates; `cleanup()` removes both. */
export interface Upstream { root: string; certs: Certs; cleanup(): Promise<void> }

async function must(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Makes a CA, a server certificate for 127.0.0.1 and a client certificate signed by it, in `dir`. */
export async function makeCerts(dir: string): Promise<Certs> {
  const f = (n: string) => join(dir, n);
  const req = ['req', '-newkey', 'rsa:2048', '-nodes', '-days', '2'];
  await must('openssl', [...req, '-x509', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-subj', '/CN=airgap-mirror test CA']);
  for (const [name, cn, ext] of [['server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1'], ['client', 'entitlement', 'extendedKeyUsage=clientAuth']]) {
    await must('openssl', [...req, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`]);
    await writeFile(f(`${name}.ext`), `${ext}\n`);
    await must('openssl', ['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'),
      '-CAcreateserial', '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`)]);
  }
  return { ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

const COMPS = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE comps PUBLIC "-//Red Hat, Inc.//DTD Comps info//EN" "comps.dtd">
<comps>
  <group><id>development</id><name>Development Tools (stand-in)</name><default>false</default><uservisible>true</uservisible>
    <packagelist><packagereq type="mandatory">patch</packagereq><packagereq type="mandatory">rpm-build</packagereq>
    <packagereq type="default">nodejs</packagereq></packagelist></group>
  <group><id>node-tools</id><name>Node tools (stand-in)</name><default>false</default><uservisible>true</uservisible>
    <packagelist><packagereq type="mandatory">nodejs</packagereq></packagelist></group>
</comps>
`;

/** Builds the upstream tree (see the module comment). Needs createrepo_c, modifyrepo_c, gpg and openssl. */
export async function makeUpstream(): Promise<Upstream> {
  const root = await mkdtemp(join(tmpdir(), 'airgap-upstream-'));
  const certDir = await mkdtemp(join(tmpdir(), 'airgap-certs-'));
  const gnupg = await mkdtemp(join(tmpdir(), 'airgap-gnupg-'));
  const appstream = join(root, 'ubi9/appstream');
  await cp(join(SAMPLE_MIRROR, 'ubi9/appstream'), appstream, { recursive: true });
  const env = { ...process.env, GNUPGHOME: gnupg };
  await must('gpg', ['--batch', '--import', `${ROOT}tests/fixtures/sample-key/secret-key.asc`], { env });
  await must('gpg', ['--batch', '--yes', '--armor', '--detach-sign', '-o', join(appstream, 'repodata/repomd.xml.asc'),
    join(appstream, 'repodata/repomd.xml')], { env });
  await writeFile(join(appstream, 'repodata/repomd.xml.key'), await must('gpg', ['--batch', '--armor', '--export'], { env }));

  await cp(join(SAMPLE_MIRROR, 'ubi9/baseos'), join(root, 'ubi9/baseos'), { recursive: true });
  await must('createrepo_c', ['--quiet', join(root, 'ubi9/baseos')]);

  const rhocp = join(root, 'rhocp/Packages');
  await cp(join(SAMPLE_MIRROR, 'rhocp-4.18-for-rhel-9-aarch64-rpms/Packages'), rhocp, { recursive: true });
  await must('createrepo_c', ['--quiet', join(root, 'rhocp')]);

  const multi = join(root, 'multi');
  await mkdir(join(multi, 'Packages'), { recursive: true });
  const sources = [join(SAMPLE_MIRROR, 'ubi9/appstream/Packages'), join(SAMPLE_MIRROR, 'ubi8/appstream/Packages'),
    join(SAMPLE_MIRROR, 'ubi8/baseos/Packages'), REAL_RPMS];
  for (const dir of sources) {
    for (const n of (await readdir(dir)).filter((x) => x.endsWith('.rpm'))) await cp(join(dir, n), join(multi, 'Packages', n));
  }
  await cp(join(SAMPLE_MIRROR, 'ubi9/baseos/Packages/hostname-3.23-6.el9.aarch64.rpm'), join(multi, 'Packages/hostname-3.23-6.el9.aarch64.rpm'));
  await writeFile(join(certDir, 'comps.xml'), COMPS);
  await must('createrepo_c', ['--quiet', '-g', join(certDir, 'comps.xml'), multi]);
  const sampleRepodata = join(SAMPLE_MIRROR, 'ubi9/appstream/repodata');
  const modules = (await readdir(sampleRepodata)).find((n) => n.endsWith('modules.yaml.gz'))!;
  await writeFile(join(certDir, 'modules.yaml'), gunzipSync(await readFile(join(sampleRepodata, modules))));
  await must('modifyrepo_c', ['--mdtype=modules', join(certDir, 'modules.yaml'), join(multi, 'repodata')]);

  const hostile: [string, string[]][] = [['hostile', ['--location-prefix', '../../escape/']], ['external', ['-u', 'http://127.0.0.1:9/elsewhere/']]];
  for (const [name, args] of hostile) {
    await cp(join(SAMPLE_MIRROR, 'ubi8/baseos/Packages'), join(root, name, 'Packages'), { recursive: true });
    await must('createrepo_c', ['--quiet', ...args, join(root, name)]);
  }

  return {
    root, certs: await makeCerts(certDir),
    cleanup: async () => {
      for (const d of [root, certDir, gnupg]) await rm(d, { recursive: true, force: true });
    },
  };
}

/**
 * nginx server blocks for the upstream: plain HTTP on `ports[0]`; HTTPS on `ports[1]` with
 * `/rhocp/` answering 403 unless a client certificate signed by the test CA was sent (nginx
 * `ssl_verify_client optional` plus a 403, which is what the CDN answers; `on` would give 400).
 * `ports[2]` is a forward HTTP proxy (logged as `proxy METHOD URI STATUS`).
 * `/moved/X` on HTTP answers 302 to `/ubi9/X` (as CDNs send downloads to an edge host).
 * Every request is logged to `log` as `METHOD URI STATUS RANGE`.
 */
export function upstreamServers(up: Upstream, log: string): (ports: number[]) => string {
  return (ports) => `
  log_format sync '$request_method $uri $status $http_range';
  log_format proxy 'proxy $request_method $request_uri $status';
  server {
    listen 127.0.0.1:${ports[0]}; access_log ${log} sync; location / { root ${up.root}; }
    location /moved/ { rewrite ^/moved/(.*)$ /ubi9/$1 redirect; }
  }
  server {
    listen 127.0.0.1:${ports[1]} ssl; access_log ${log} sync;
    ssl_certificate ${up.certs.serverCert}; ssl_certificate_key ${up.certs.serverKey};
    ssl_client_certificate ${up.certs.ca}; ssl_verify_client optional;
    location / { root ${up.root}; }
    location /rhocp/ { root ${up.root}; if ($ssl_client_verify != SUCCESS) { return 403; } }
  }
  server {
    listen 127.0.0.1:${ports[2]}; access_log ${log} proxy;
    location / { proxy_pass http://$http_host$uri; }
  }`;
}
