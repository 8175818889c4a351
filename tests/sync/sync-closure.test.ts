/**
 * `sync` with a dependency closure (issue 14) against nginx on 127.0.0.1 serving an upstream
 * built in the test (tests/helpers/closure-upstream.ts): profile `dtk` for a node list of
 * 3 nodes in 2 pools (x86_64, and aarch64 64k as seed 001), a package of a module stream.
 * Judges: dnf installs each pool's roots from the built site alone into an empty installroot
 * (weak deps off, as the DTK does) and downloads only synced packages; `dnf repoclosure` finds
 * nothing unresolved; the preflight and the cluster page give the same closure; removing a
 * provider upstream is named with the package and the pools; `--delete` keeps a pool's kernel
 * package that upstream pruned and a local provider of a requirement upstream lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { dnf } from '../helpers/dnf.ts';
import { startNginx, type Nginx } from '../helpers/nginx.ts';
import { K1, K1_NEWER, K2, makeClosureUpstream, reindex, type ClosureUpstream } from '../helpers/closure-upstream.ts';
import { kernelTarget, wantedPackages } from '../../scripts/closure/profiles.ts';

let up: ClosureUpstream;
let nginx: Nginx;
let work: string;
let mirror: string;
let cfg: string;
let nodes: string;

const POOL_X86 = `rhcos4.16-${K1}.x86_64`;
const POOL_64K = `rhcos4.14-${K2}.aarch64+64k`;
const node = (name: string, arch: string, kernel: string, os: string) => ({ metadata: { name },
  status: { nodeInfo: { architecture: arch, kernelVersion: kernel, osImage: `Red Hat Enterprise Linux CoreOS ${os}` } } });

beforeAll(async () => {
  up = await makeClosureUpstream();
  nginx = await startNginx(up.root);
  work = await mkdtemp(join(tmpdir(), 'airgap-closure-'));
  mirror = join(work, 'mirror');
  nodes = join(work, 'nodes.json');
  await writeFile(nodes, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    node('worker-x1', 'amd64', `${K1}.x86_64`, '416.94.202410211619-0'),
    node('worker-x2', 'amd64', `${K1}.x86_64`, '416.94.202410211619-0'),
    node('gpu-64k-b1', 'arm64', `${K2}.aarch64+64k`, '414.92.202402201450-0'),
  ] }));
  cfg = join(work, 'sync.yaml');
  await writeFile(cfg, `sync:
  retries: 0
  closure:
    profiles: [dtk]
    packages: [nvidia-driver]
    modules: ["nvidia-driver:570-open"]
  repos:
${['rhocp', 'baseos', 'cuda'].map((r) => `    - { id: ${r}, baseurl: "${nginx.url}${r}/" }`).join('\n')}
`);
}, 120_000);
afterAll(async () => {
  await nginx?.stop();
  await up?.remove();
  await rm(work, { recursive: true, force: true });
});

const rpms = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.rpm')).sort();
const synced = async () => (await Promise.all(['rhocp', 'baseos', 'cuda'].map((r) => rpms(join(mirror, r, 'Packages'))))).flat();

/** The closure line of a pool in the summary: `N root packages, closure M packages`. */
function closureOf(stdout: string, pool: string): number {
  const at = stdout.indexOf(`  ${pool}: kernel`);
  expect(at, stdout).toBeGreaterThanOrEqual(0);
  return Number(/closure (\d+) packages/.exec(stdout.slice(at))![1]);
}

/** The roots of a pool as dnf install arguments: the dtk profile pinned to the pool's kernel, plus nvidia-driver. */
function roots(kernel: string): string[] {
  const t = kernelTarget(kernel);
  return [...wantedPackages(['dtk'], t).map((w) => (w.pinned ? `${w.name}-${t.versionRelease}.${t.arch}` : w.name)), 'nvidia-driver'];
}

describe('sync with profile dtk for a node list', () => {
  let plan: string;
  it('plans per pool: roots, closure size, nothing missing', async () => {
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror, '--nodes', nodes, '--dry-run']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    plan = r.stdout;
    expect(plan).toContain(`${POOL_X86}: kernel ${K1}.x86_64, x86_64, 2 nodes (worker-x1, worker-x2)`);
    expect(plan).toContain(`${POOL_64K}: kernel ${K2}.aarch64+64k, aarch64, 1 node (gpu-64k-b1)`);
    expect(plan).not.toMatch(/MISSING|UNRESOLVED/);
    expect(plan).toContain(`kernel-64k-modules-extra-${K2}.aarch64,`); // the roots, listed
    expect(closureOf(plan, POOL_X86)).toBeGreaterThan(30);
    expect(await synced()).toEqual([]);
  });

  it('fetches exactly the closure: pinned kernels, every provider, no weak deps, only the chosen stream', async () => {
    const r = await cli(['sync', '--config', cfg, '--mirror', mirror, '--nodes', nodes]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const got = await synced();
    expect(got).toEqual(expect.arrayContaining([
      `kernel-devel-${K1}.x86_64.rpm`, `kernel-modules-extra-${K1}.x86_64.rpm`, `kernel-core-${K1}.x86_64.rpm`,
      `kernel-64k-devel-${K2}.aarch64.rpm`, `kernel-64k-modules-extra-${K2}.aarch64.rpm`, `kernel-64k-core-${K2}.aarch64.rpm`,
      'diff-a-11.4.1-3.el9.x86_64.rpm', 'diff-b-11.4.1-3.el9.x86_64.rpm', // every provider of diff-backend
      'kabi-helper-11.4.1-3.el9.x86_64.rpm', // a file require only filelists answers
      'gcc-plugin-annobin-11.4.1-3.el9.aarch64.rpm', // (gcc-plugin-annobin if rpm-build)
      'kmod-libs-11.4.1-3.el9.x86_64.rpm', 'setup-11.4.1-3.el9.noarch.rpm', 'nvidia-driver-570.1-1.aarch64.rpm',
    ]));
    const unwanted = [`kernel-devel-${K1_NEWER}.x86_64.rpm`, 'git-email-11.4.1-3.el9.noarch.rpm', 'autoconf-legacy-11.4.1-3.el9.noarch.rpm',
      'libgomp-compat-11.4.1-3.el9.x86_64.rpm', 'zstd-11.4.1-3.el9.x86_64.rpm', 'nvidia-driver-575.2-1.x86_64.rpm',
      `kernel-64k-devel-matched-${K2}.aarch64.rpm`];
    for (const f of unwanted) expect(got).not.toContain(f);
    expect(r.stdout).toMatch(/rhocp .* subset /);
    // a rerun with nothing changed upstream is up to date, though every closure repo is planned again
    const again = await cli(['sync', '--config', cfg, '--mirror', mirror, '--nodes', nodes]);
    expect(again.stdout).toMatch(/rhocp +up to date +subset +0 fetched .*repodata unchanged/);
    expect(again.stdout).toMatch(/baseos +up to date/);
  });

  describe('judged by dnf on the built site', () => {
    let site: string;
    let repos: Record<string, string>;
    beforeAll(async () => {
      site = join(work, 'site');
      const b = await cli(['build', '--mirror', mirror, '--out', site, '--nodes', nodes, '--config', cfg]);
      expect(b.code, b.stderr).toBe(0);
      repos = Object.fromEntries(['rhocp', 'baseos', 'cuda'].map((r) => [r, join(site, r)]));
    }, 180_000);

    it.each([[POOL_X86, `${K1}.x86_64`, 'x86_64'], [POOL_64K, `${K2}.aarch64+64k`, 'aarch64']])(
      'installs the roots of %s into an empty root, downloading only synced packages', async (pool, kernel, arch) => {
        const root = join(work, `root-${arch}`);
        const downloads = join(work, `dl-${arch}`);
        await mkdir(root, { recursive: true });
        const opts = { arch, extra: ['--installroot', root, '--setopt=install_weak_deps=False'] };
        const en = await dnf(repos, ['-y', 'module', 'enable', 'nvidia-driver:570-open'], opts);
        expect(en.code, en.stderr).toBe(0);
        const r = await dnf(repos, ['-y', 'install', '--downloadonly', '--downloaddir', downloads, ...roots(kernel)], opts);
        expect(r.code, r.stderr + r.stdout).toBe(0);
        const picked = await rpms(downloads);
        const all = new Set(await synced());
        expect(picked.filter((f) => !all.has(f))).toEqual([]);
        expect(picked).toContain('nvidia-driver-570.1-1.' + arch + '.rpm');
        expect(picked.length).toBeGreaterThan(25);
        // and the closure is no bigger than needed for this pool's arch
        expect(picked.length).toBeLessThanOrEqual(closureOf(plan, pool));
      }, 120_000);

    it.each(['x86_64', 'aarch64'])('dnf repoclosure (%s) finds nothing unresolved', async (arch) => {
      const r = await dnf(repos, ['repoclosure', '--arch', arch, '--arch', 'noarch'], { arch });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(/unresolved/);
    }, 120_000);

    it('the preflight and the cluster page agree with the closure of each pool', async () => {
      const pf = await cli(['preflight', '--mirror', mirror, '--nodes', nodes, '--config', cfg]);
      expect(pf.code, pf.stdout + pf.stderr).toBe(0);
      for (const [pool, kernel] of [[POOL_X86, `${K1}.x86_64`], [POOL_64K, `${K2}.aarch64+64k`]] as const) {
        const at = pf.stdout.indexOf(`KERNEL_VERSION ${kernel}: OK (profiles: dtk)`);
        expect(at, pf.stdout).toBeGreaterThanOrEqual(0);
        const n = Number(/dependency closure: (\d+) packages, 0 unresolved/.exec(pf.stdout.slice(at))![1]);
        expect(n).toBe(closureOf(plan, pool));
        const page = await readFile(join(site, '_site/dtk', kernel, 'index.html'), 'utf8');
        expect(page).toContain(`Dependency closure (${n} packages)`);
      }
      const cluster = await readFile(join(site, '_site/cluster/index.html'), 'utf8');
      expect(cluster.match(/>ready</g)).toHaveLength(2);
    });
  });

  it('names an unresolved requirement with its package and pools, and --delete keeps a pruned pool kernel', async () => {
    await rm(join(up.root, 'baseos/Packages/kabi-helper-11.4.1-3.el9.x86_64.rpm'));
    await rm(join(up.root, 'baseos/Packages/kabi-helper-11.4.1-3.el9.aarch64.rpm'));
    await rm(join(up.root, `rhocp/Packages/kernel-64k-devel-${K2}.aarch64.rpm`));
    await reindex(up, 'baseos');
    await reindex(up, 'rhocp');
    const dry = await cli(['sync', '--config', cfg, '--mirror', mirror, '--nodes', nodes, '--dry-run', '--delete']);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain(`error: kabi-dw-11.4.1-3.el9.x86_64 (baseos): requires /usr/libexec/kabi-helper/run, `
      + `which no configured repo provides (node pool ${POOL_X86}) [closure-unresolved]`);
    expect(dry.stderr).toContain(`(node pool ${POOL_64K}) [closure-unresolved]`);
    expect(dry.stderr).toContain(`error: kernel-64k-devel-${K2}.aarch64: in no configured repo (needed by node pool ${POOL_64K}) [closure-missing]`);
    expect(dry.stdout).toContain(`    MISSING kernel-64k-devel-${K2}.aarch64`);
    expect(dry.stdout).toContain(`    UNRESOLVED kabi-dw-11.4.1-3.el9.aarch64 (baseos) requires /usr/libexec/kabi-helper/run`);
    const del = await cli(['sync', '--config', cfg, '--mirror', mirror, '--nodes', nodes, '--delete']);
    expect(del.code).toBe(2);
    expect(del.stderr).toMatch(new RegExp(`warning: .*kernel-64k-devel-${K2.replace(/\./g, '\\.')}\\.aarch64\\.rpm: no longer upstream but needed by node pool`));
    // the local provider of the now unresolved file require is kept too (read from its header)
    expect(del.stderr).toMatch(/warning: .*kabi-helper-11\.4\.1-3\.el9\.x86_64\.rpm: no longer upstream but needed by node pool rhcos4\.16/);
    expect(await synced()).toEqual(expect.arrayContaining([`kernel-64k-devel-${K2}.aarch64.rpm`,
      'kabi-helper-11.4.1-3.el9.x86_64.rpm', 'kabi-helper-11.4.1-3.el9.aarch64.rpm']));
    // a tool root gone upstream is kept as well; a package no pool needs goes
    await rm(join(up.root, 'baseos/Packages/bison-11.4.1-3.el9.x86_64.rpm'));
    await reindex(up, 'baseos');
    await copyFile(join(up.root, 'baseos/Packages/zstd-11.4.1-3.el9.x86_64.rpm'), join(mirror, 'baseos/Packages/zstd-11.4.1-3.el9.x86_64.rpm'));
    const again = await cli(['sync', '--config', cfg, '--mirror', mirror, '--nodes', nodes, '--delete']);
    expect(again.stderr).toContain(`error: bison: in no configured repo (needed by node pool ${POOL_X86}) [closure-missing]`);
    expect(again.stderr).toMatch(/warning: .*bison-11\.4\.1-3\.el9\.x86_64\.rpm: no longer upstream but needed by node pool/);
    expect(again.stderr).toContain('delete: baseos/Packages/zstd-11.4.1-3.el9.x86_64.rpm');
    const left = await synced();
    expect(left).toContain('bison-11.4.1-3.el9.x86_64.rpm');
    expect(left).not.toContain('zstd-11.4.1-3.el9.x86_64.rpm');
  }, 120_000);
});
