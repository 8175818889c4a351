/**
 * An upstream for closure tests, built in the test with rpmbuild (stand-in packages, many
 * subpackages per spec so it stays fast), createrepo_c and modifyrepo_c:
 * - `rhocp`: kernels 5.14.0-427.87.1.el9_4 (x86_64, the pools' kernel) and 427.90.1 (x86_64,
 *   no pool runs it), 5.14.0-284.54.1.el9_2 (aarch64, standard and `kernel-64k-*`), each with
 *   the subpackages the Driver Toolkit installs;
 * - `baseos`: the DTK's build tools for both arches, with versioned provides, a file require
 *   only filelists answers (`/usr/libexec/kabi-helper/run`), rich dependencies (`if`, `if … else`, `or`,
 *   `with`), Requires(pre), two providers of one capability (`diff-backend`) and a Recommends;
 * - `cuda`: module `nvidia-driver`, streams 570-open and 575-open (the default), both arches.
 */
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run.ts';

/** One subpackage of a stand-in spec; `files` are created with one line of content each. */
interface Sub {
  name: string; requires?: string[]; pre?: string[]; provides?: string[]; recommends?: string[];
  files?: string[]; noarch?: boolean;
}

export const K1 = '5.14.0-427.87.1.el9_4';
export const K1_NEWER = '5.14.0-427.90.1.el9_4';
export const K2 = '5.14.0-284.54.1.el9_2';

async function must(cmd: string, args: string[]): Promise<void> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}

/** Writes a spec with one `%package -n` per sub, builds it for `arch` and moves the packages (noarch once) into `out`. */
async function build(work: string, out: string, spec: { version: string; release: string; epoch?: number; subs: Sub[] },
  arch: string): Promise<void> {
  const id = `s${(await readdir(work)).length}`;
  const head = [`Name: ${id}-stand-in`, `Version: ${spec.version}`, `Release: ${spec.release}`,
    ...(spec.epoch ? [`Epoch: ${spec.epoch}`] : []), 'Summary: stand-in', 'License: MIT',
    '%description', 'stand-in for airgap-mirror closure tests'];
  const install: string[] = [];
  const files: string[] = [];
  for (const s of spec.subs) {
    head.push(`%package -n ${s.name}`, `Summary: stand-in ${s.name}`, ...(s.noarch ? ['BuildArch: noarch'] : []),
      ...(s.requires ?? []).map((r) => `Requires: ${r}`), ...(s.pre ?? []).map((r) => `Requires(pre): ${r}`),
      ...(s.provides ?? []).map((r) => `Provides: ${r}`), ...(s.recommends ?? []).map((r) => `Recommends: ${r}`),
      `%description -n ${s.name}`, `stand-in ${s.name}`);
    const paths = s.files ?? [`/usr/share/stand-in/${s.name}`];
    for (const f of paths) install.push(`mkdir -p "$(dirname %{buildroot}${f})" && echo ${s.name} > "%{buildroot}${f}"`);
    files.push(`%files -n ${s.name}`, ...paths);
  }
  await writeFile(join(work, `${id}.spec`), [...head, '%prep', '%build', '%install', ...install, ...files, ''].join('\n'));
  const top = join(work, `${id}-top`);
  await must('rpmbuild', ['--quiet', '-bb', '--target', arch, '--define', `_topdir ${top}`, '--define', 'debug_package %{nil}',
    '--define', '__os_install_post %{nil}', '--define', '_build_id_links none', join(work, `${id}.spec`)]);
  await mkdir(out, { recursive: true });
  const have = new Set(await readdir(out));
  for (const sub of await readdir(join(top, 'RPMS'))) {
    for (const f of await readdir(join(top, 'RPMS', sub))) if (!have.has(f)) await rename(join(top, 'RPMS', sub, f), join(out, f));
  }
}

/** The kernel subpackages of one version-release; `with64k` adds the `kernel-64k-*` set. */
function kernelSubs(vr: string, arch: string, with64k: boolean): Sub[] {
  const k = `${vr}.${arch}`;
  const flavour = (prefix: string, uname: string): Sub[] => [
    { name: `${prefix}-core`, provides: [`${prefix}-uname-r = ${uname}`, `${prefix}-core-uname-r = ${uname}`],
      pre: ['coreutils'], files: [`/lib/modules/${uname}/vmlinuz`] },
    { name: `${prefix}-modules`, requires: [`${prefix}-uname-r = ${uname}`], files: [`/lib/modules/${uname}/modules.dep`] },
    { name: `${prefix}-modules-extra`, requires: [`${prefix}-modules = ${vr}`],
      files: [`/lib/modules/${uname}/extra/x.ko`] },
    { name: `${prefix}-devel`, provides: [`${prefix}-devel-uname-r = ${uname}`],
      requires: ['elfutils-libelf-devel', '/usr/bin/make', `(gcc if ${prefix}-devel-matched)`],
      files: [`/usr/src/kernels/${uname}/Makefile`] },
    { name: `${prefix}-devel-matched`, requires: [`${prefix}-core = ${vr}`, `${prefix}-devel = ${vr}`] },
  ];
  return [
    { name: 'kernel', requires: [`kernel-core-uname-r = ${k}`] },
    ...flavour('kernel', k),
    { name: 'kernel-headers', files: [`/usr/include/linux/version-${vr}.h`] },
    ...(with64k ? [{ name: 'kernel-64k', requires: [`kernel-64k-core-uname-r = ${k}+64k`] }, ...flavour('kernel-64k', `${k}+64k`)] : []),
  ];
}

const TOOLS: Sub[] = [
  { name: 'kernel-rpm-macros', noarch: true },
  { name: 'autoconf', noarch: true, requires: ['m4-provider'] },
  { name: 'autoconf-legacy', noarch: true },
  { name: 'automake', noarch: true, requires: ['autoconf >= 2.69'] },
  { name: 'binutils', files: ['/usr/bin/ld'] },
  { name: 'elfutils-libelf' },
  { name: 'elfutils-libelf-devel', requires: ['elfutils-libelf = %{version}-%{release}'] },
  { name: 'glibc', pre: ['setup'], provides: ['libc.so.6'] },
  { name: 'setup', noarch: true, files: ['/etc/stand-in-setup'] },
  { name: 'coreutils', files: ['/usr/bin/cat'] },
  { name: 'kabi-dw', requires: ['/usr/libexec/kabi-helper/run'] },
  { name: 'kabi-helper', files: ['/usr/libexec/kabi-helper/run'] },
  { name: 'kmod', pre: ['setup'], requires: ['(kmod-libs >= 11 with kmod-libs < 12)'], files: ['/usr/bin/kmod'] },
  { name: 'kmod-libs' },
  { name: 'libtool', requires: ['(autoconf-legacy if kmod-compat else autoconf)'] },
  { name: 'cpp' },
  { name: 'libgomp' },
  { name: 'libgomp-compat', provides: ['libgomp = 10'] },
  { name: 'gcc', requires: ['cpp = %{version}-%{release}', 'binutils >= 2', 'libgomp >= 11', '(gcc-plugin-annobin if rpm-build)'],
    files: ['/usr/bin/gcc'] },
  { name: 'gcc-plugin-annobin' },
  { name: 'gcc-c++', requires: ['gcc = %{version}-%{release}'] },
  { name: 'xz', files: ['/usr/bin/xz'] },
  { name: 'zstd', files: ['/usr/bin/zstd'] },
  { name: 'diffutils', files: ['/usr/bin/diff'], requires: ['diff-backend'] },
  { name: 'diff-a', provides: ['diff-backend'] },
  { name: 'diff-b', provides: ['diff-backend'] },
  { name: 'm4', provides: ['m4-provider'] },
  { name: 'm4-alt', provides: ['m4-provider'] },
  { name: 'flex', requires: ['m4-provider'] },
  { name: 'bison', requires: ['m4 >= 1'] },
  { name: 'git', recommends: ['git-email'], requires: ['glibc'] },
  { name: 'git-email', noarch: true },
  { name: 'make', files: ['/usr/bin/make'] },
  { name: 'rpm-build', requires: ['(xz or zstd)', 'coreutils'] },
];

/** Modulemd documents of the cuda repo: two streams of nvidia-driver, 575-open the default. */
function modulesYaml(arches: string[]): string {
  const stream = (s: string, v: string) => `---
document: modulemd
version: 2
data:
  name: nvidia-driver
  stream: "${s}"
  version: 1
  context: stand1
  summary: stand-in NVIDIA driver ${s}
  description: stand-in
  license: { module: [MIT] }
  artifacts:
    rpms:
${arches.flatMap((a) => [`nvidia-driver-3:${v}-1.${a}`, `nvidia-driver-libs-3:${v}-1.${a}`]).map((r) => `    - ${r}`).join('\n')}
...
`;
  return `${stream('570-open', '570.1')}${stream('575-open', '575.2')}---
document: modulemd-defaults
version: 1
data:
  module: nvidia-driver
  stream: "575-open"
...
`;
}

/** The upstream tree (see the module comment); `remove()` deletes it. */
export interface ClosureUpstream { root: string; remove(): Promise<void> }

/** Builds the upstream (needs rpmbuild, createrepo_c, modifyrepo_c). */
export async function makeClosureUpstream(): Promise<ClosureUpstream> {
  const root = await mkdtemp(join(tmpdir(), 'airgap-closure-up-'));
  const work = await mkdtemp(join(tmpdir(), 'airgap-closure-build-'));
  const pkgs = (repo: string) => join(root, repo, 'Packages');
  const [vr1, rel1] = K1.split('-') as [string, string];
  const [, rel1b] = K1_NEWER.split('-') as [string, string];
  const [, rel2] = K2.split('-') as [string, string];
  await build(work, pkgs('rhocp'), { version: vr1, release: rel1, subs: kernelSubs(K1, 'x86_64', false) }, 'x86_64');
  await build(work, pkgs('rhocp'), { version: vr1, release: rel1b, subs: kernelSubs(K1_NEWER, 'x86_64', false) }, 'x86_64');
  await build(work, pkgs('rhocp'), { version: vr1, release: rel2, subs: kernelSubs(K2, 'aarch64', true) }, 'aarch64');
  for (const arch of ['x86_64', 'aarch64']) {
    await build(work, pkgs('baseos'), { version: '11.4.1', release: '3.el9', subs: TOOLS }, arch);
    for (const v of ['570.1', '575.2']) {
      await build(work, pkgs('cuda'), { version: v, release: '1', epoch: 3, subs: [
        { name: 'nvidia-driver', requires: [`nvidia-driver-libs = 3:${v}-1`] },
        { name: 'nvidia-driver-libs', requires: ['glibc'] },
      ] }, arch);
    }
  }
  for (const repo of ['rhocp', 'baseos', 'cuda']) await must('createrepo_c', ['--quiet', join(root, repo)]);
  await writeFile(join(work, 'modules.yaml'), modulesYaml(['x86_64', 'aarch64']));
  await must('modifyrepo_c', ['--mdtype=modules', join(work, 'modules.yaml'), join(root, 'cuda/repodata')]);
  await rm(work, { recursive: true, force: true });
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}

/** Re-indexes one repo of the upstream after packages were removed from it. */
export async function reindex(up: ClosureUpstream, repo: string): Promise<void> {
  await must('createrepo_c', ['--quiet', '--update', join(up.root, repo)]);
}
