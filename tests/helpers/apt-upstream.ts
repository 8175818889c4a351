/**
 * An Ubuntu-shaped apt archive for sync tests, made on disk with the real tools: `.deb` files by
 * dpkg-deb (stand-ins shaped like jammy's kernel packages and build tools), `Packages` by
 * apt-ftparchive, `Release` by `apt-ftparchive release` (Acquire-By-Hash, with by-hash copies),
 * `InRelease` and `Release.gpg` by gpg with the sample key. Three pockets share one `pool/`:
 * `jammy` (GA kernel 5.15.0-25 and the tools), `jammy-updates` (kernels 5.15.0-91 and -92, a newer
 * libc6), `jammy-security` (kernel 5.15.0-91); `restricted` holds a precompiled-module package.
 * Besides the driver builds' packages the archive has others no pool needs (the subset is smaller).
 *
 * Relations exercise apt's rules: alternatives whose first choice is absent, a virtual package
 * (`libc-dev` through Provides), a versioned Provides (`binutils (= …)`) meeting `binutils (>= …)`,
 * Pre-Depends, `perl:any` on a Multi-Arch: allowed package, Multi-Arch: same and foreign, and
 * Recommends (taken only for the DOCA profile).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from './run.ts';
import { ROOT } from './cli.ts';

/** A stand-in package: name, version, arch, extra control fields, pockets (and component) it is in. */
export interface ArchivePackage { name: string; version: string; arch: string; fields?: string; suites: string[]; component?: string }

/** The archive: its root (serve `root`; the archive is at `ubuntu/`), the signing key's public file, gpg env. */
export interface AptArchive {
  root: string; archive: string; publicKey: string; env: NodeJS.ProcessEnv; packages: ArchivePackage[];
  /** Fields added to each suite's Release before it is signed (`Snapshots: …\n`), '' for none. */
  releaseFields: string;
  /** Rewrites the indices and signatures after `packages` changed (files of dropped packages are removed). */
  republish(): Promise<void>;
  remove(): Promise<void>;
}

export const SUITES = ['jammy', 'jammy-updates', 'jammy-security'];

const kernelSet = (abi: string, suites: string[]): ArchivePackage[] => {
  const kv = `5.15.0-${abi}-generic`, ver = `5.15.0-${abi}.${Number(abi) + 10}`;
  return [
    { name: `linux-headers-5.15.0-${abi}`, version: ver, arch: 'all', suites, fields: 'Multi-Arch: foreign\n' },
    { name: `linux-headers-${kv}`, version: ver, arch: 'amd64', suites,
      fields: `Depends: linux-headers-5.15.0-${abi}, libc6 (>= 2.34), libelf1 (>= 0.142)\n` },
    { name: `linux-image-${kv}`, version: ver, arch: 'amd64', suites,
      fields: `Depends: kmod, linux-base (>= 4.5ubuntu1~16.04.1), linux-modules-${kv}\nRecommends: grub-pc | grub-efi-amd64\n` },
    { name: `linux-modules-${kv}`, version: ver, arch: 'amd64', suites,
      fields: `Depends: linux-image-${kv} | linux-image-unsigned-${kv}\n` },
    { name: `linux-image-unsigned-${kv}`, version: ver, arch: 'amd64', suites,
      fields: `Depends: kmod, linux-modules-${kv}\n` },
    { name: `linux-modules-extra-${kv}`, version: ver, arch: 'amd64', suites,
      fields: `Depends: linux-image-${kv} | linux-image-unsigned-${kv}, wireless-regdb\n` },
    { name: `linux-modules-nvidia-535-server-${kv}`, version: ver, arch: 'amd64', suites, component: 'restricted',
      fields: `Depends: linux-image-${kv}\n` },
  ];
};

/** The packages of the archive (see the module comment). */
export function archivePackages(): ArchivePackage[] {
  const ga = ['jammy'], upd = ['jammy-updates'], sec = ['jammy-updates', 'jammy-security'];
  return [
    ...kernelSet('25', ga), ...kernelSet('91', sec), ...kernelSet('92', upd),
    { name: 'libc6', version: '2.35-0ubuntu3', arch: 'amd64', suites: ga, fields: 'Multi-Arch: same\nPriority: required\n' },
    { name: 'libc6', version: '2.35-0ubuntu3.5', arch: 'amd64', suites: sec, fields: 'Multi-Arch: same\nPriority: required\n' },
    { name: 'libelf1', version: '0.186-1build1', arch: 'amd64', suites: ga, fields: 'Multi-Arch: same\nDepends: libc6 (>= 2.34)\n' },
    { name: 'kmod', version: '29-1ubuntu1', arch: 'amd64', suites: ga, fields: 'Depends: libc6 (>= 2.34)\n' },
    { name: 'debconf', version: '1.5.79ubuntu1', arch: 'all', suites: ga, fields: 'Multi-Arch: foreign\nProvides: debconf-2.0\n' },
    { name: 'linux-base', version: '4.5ubuntu9', arch: 'all', suites: ga, fields: 'Pre-Depends: cdebconf | debconf-2.0\n' },
    { name: 'wireless-regdb', version: '2022.06.06-0ubuntu1', arch: 'all', suites: ga },
    { name: 'pkg-config', version: '0.29.2-1ubuntu3', arch: 'amd64', suites: ga, fields: 'Depends: libc6 (>= 2.34)\n' },
    { name: 'perl', version: '5.34.0-3ubuntu1', arch: 'amd64', suites: ga, fields: 'Multi-Arch: allowed\n' },
    { name: 'cpp-11', version: '11.4.0-1ubuntu1~22.04', arch: 'amd64', suites: sec },
    { name: 'binutils-x86-64-linux-gnu', version: '2.38-4ubuntu2', arch: 'amd64', suites: ga,
      fields: 'Provides: binutils (= 2.38-4ubuntu2)\n' },
    { name: 'binutils-old', version: '2.30-1', arch: 'amd64', suites: ga, fields: 'Provides: binutils\n' },
    { name: 'gcc-11', version: '11.4.0-1ubuntu1~22.04', arch: 'amd64', suites: sec,
      fields: 'Depends: cpp-11 (= 11.4.0-1ubuntu1~22.04), binutils (>= 2.38), perl:any\nRecommends: libc6-dev | libc-dev\n' },
    { name: 'musl-dev', version: '1.2.2-4', arch: 'amd64', suites: ga, fields: 'Provides: libc-dev\n' },
    { name: 'gcc-12', version: '12.3.0-1ubuntu1~22.04', arch: 'amd64', suites: upd, fields: 'Depends: binutils (>= 2.38)\n' },
    { name: 'firefox', version: '1:1snap1-0ubuntu2', arch: 'amd64', suites: ga, fields: 'Depends: libc6\n' },
    { name: 'libreoffice-core', version: '1:7.3.7-0ubuntu0.22.04.3', arch: 'amd64', suites: upd, fields: 'Depends: libc6\n' },
  ];
}

async function must(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** The pool path of a package (`pool/main/l/linux-headers-…/…_amd64.deb`). */
export const poolPath = (p: ArchivePackage) =>
  `pool/${p.component ?? 'main'}/${p.name[0]}/${p.name}/${p.name}_${p.version.replace(/^\d+:/, '')}_${p.arch}.deb`;

/** Builds one stand-in `.deb` with dpkg-deb at `dest`. */
async function buildDeb(work: string, p: ArchivePackage, dest: string): Promise<void> {
  const root = join(work, `${p.name}_${p.version}`);
  await mkdir(join(root, 'DEBIAN'), { recursive: true });
  await mkdir(join(root, `usr/share/doc/${p.name}`), { recursive: true });
  await writeFile(join(root, `usr/share/doc/${p.name}/README`), `${p.name} ${p.version}\n`);
  await writeFile(join(root, 'DEBIAN/control'), `Package: ${p.name}\nVersion: ${p.version}\nArchitecture: ${p.arch}\n`
    + `Maintainer: Test <test@example.invalid>\n${p.fields ?? ''}Section: misc\n`
    + `Description: stand-in ${p.name}\n for airgap-mirror's apt sync tests\n`);
  await mkdir(dirname(dest), { recursive: true });
  await must('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, dest]);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Writes every suite's indices, Release and signatures for `packages` (their .deb files already in the pool). */
async function publish(a: AptArchive): Promise<void> {
  const all = await must('apt-ftparchive', ['packages', 'pool'], { cwd: a.archive });
  const stanzaOf = new Map<string, string>();
  for (const s of all.split(/\n\n+/).filter((x) => x.trim())) stanzaOf.set(/^Filename: (.*)$/m.exec(s)![1]!, s.trim());
  await rm(join(a.archive, 'dists'), { recursive: true, force: true });
  for (const suite of SUITES) {
    const dist = join(a.archive, 'dists', suite);
    for (const component of ['main', 'restricted']) {
      const mine = a.packages.filter((p) => p.suites.includes(suite) && (p.component ?? 'main') === component);
      const text = mine.map((p) => stanzaOf.get(poolPath(p))!).join('\n\n') + (mine.length ? '\n' : '');
      const dir = join(dist, component, 'binary-amd64');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'Packages'), text);
      await must('sh', ['-c', 'gzip -9nk Packages && xz -k Packages'], { cwd: dir });
      await writeFile(join(dir, 'Release'), `Archive: ${suite}\nComponent: ${component}\nArchitecture: amd64\n`);
      for (const f of ['Packages', 'Packages.gz', 'Packages.xz']) {
        const data = await readFile(join(dir, f));
        await mkdir(join(dir, 'by-hash/SHA256'), { recursive: true });
        await writeFile(join(dir, 'by-hash/SHA256', sha256(data)), data);
      }
      const contents = mine.map((p) => `usr/share/doc/${p.name}/README misc/${p.name}`).join('\n') + '\n';
      await writeFile(join(dist, component, 'Contents-amd64'), contents);
      await must('gzip', ['-9n', join(dist, component, 'Contents-amd64')]);
    }
    const o = (k: string, v: string) => ['-o', `APT::FTPArchive::Release::${k}=${v}`];
    const release = await must('apt-ftparchive', [...o('Origin', 'Ubuntu'), ...o('Label', 'Ubuntu'), ...o('Suite', suite),
      ...o('Codename', 'jammy'), ...o('Architectures', 'amd64'), ...o('Components', 'main restricted'),
      ...o('Acquire-By-Hash', 'yes'), 'release', '.'], { cwd: dist });
    await writeFile(join(dist, 'Release'), release + a.releaseFields);
    await must('gpg', ['--batch', '--yes', '--clearsign', '-o', join(dist, 'InRelease'), join(dist, 'Release')], { env: a.env });
    await must('gpg', ['--batch', '--yes', '-abs', '-o', join(dist, 'Release.gpg'), join(dist, 'Release')], { env: a.env });
  }
}

/** Makes the archive (see the module comment). Needs dpkg-deb, apt-ftparchive, gzip, xz and gpg. */
export async function makeAptArchive(): Promise<AptArchive> {
  const root = await mkdtemp(join(tmpdir(), 'airgap-apt-upstream-'));
  const archive = join(root, 'ubuntu');
  const gnupg = join(root, 'gnupg');
  await mkdir(gnupg, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: gnupg };
  await must('gpg', ['--batch', '--import', `${ROOT}tests/fixtures/sample-key/secret-key.asc`], { env });
  const publicKey = join(root, 'archive-key.asc');
  await writeFile(publicKey, await must('gpg', ['--batch', '--armor', '--export'], { env }));
  const work = join(root, 'work');
  const a: AptArchive = {
    root, archive, publicKey, env, packages: archivePackages(), releaseFields: '',
    async republish() {
      const keep = new Set(a.packages.map(poolPath));
      for (const f of await readdir(join(archive, 'pool'), { recursive: true, withFileTypes: true })) {
        const rel = join(f.parentPath, f.name).slice(archive.length + 1);
        if (f.isFile() && !keep.has(rel)) await rm(join(archive, rel));
      }
      for (const p of a.packages) {
        const dest = join(archive, poolPath(p));
        if (!(await readFile(dest).then(() => true, () => false))) await buildDeb(work, p, dest);
      }
      await publish(a);
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
  await Promise.all(a.packages.map((p) => buildDeb(work, p, join(archive, poolPath(p)))));
  await publish(a);
  return a;
}

/** Copies the archive's tree to `dest` (a second upstream that can be altered on its own). */
export async function copyArchive(a: AptArchive, dest: string): Promise<void> {
  for (const f of await readdir(a.archive, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const rel = join(f.parentPath, f.name).slice(a.archive.length + 1);
    await mkdir(dirname(join(dest, rel)), { recursive: true });
    await copyFile(join(a.archive, rel), join(dest, rel));
  }
}
