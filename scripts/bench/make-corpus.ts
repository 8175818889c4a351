/**
 * Generates a benchmark corpus: N stand-in RPMs (summaries say so). Profile `small`
 * (small-package.ts: 12-40 tiny files each, versioned requires on earlier packages, a file
 * require, provides, recommends) and profile `realistic` (realistic-package.ts, shaped like a
 * RHEL mirror) are written directly by rpm-writer.ts (four packages in flight; gzip runs on
 * libuv's thread pool). Without a profile, packages of the small shape with a payload file of
 * `payloadBytes` are built by rpmbuild from generated specs with many subpackages each (one
 * rpmbuild run per chunk, two in parallel; needs Debian's rpm). Output: `<out>/Packages/*.rpm`.
 *
 * Usage: node scripts/bench/make-corpus.ts OUT_DIR N [small|realistic]
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { realisticPackage, realisticPlan } from './realistic-package.ts';
import { smallPackage } from './small-package.ts';
import { writeRpm, type CorpusPackage } from './rpm-writer.ts';

/** Corpus shapes: 12–40 tiny files per noarch package (small-package.ts), or a RHEL-like mix (realistic-package.ts). */
export type CorpusProfile = 'small' | 'realistic';

const run = promisify(execFile);
const CHUNK = 250;

/** Spec text for packages [from, to) of the corpus; `payloadBytes` adds a random (incompressible) file of that size to each. */
export function corpusSpec(from: number, to: number, payloadBytes = 0): string {
  const name = (i: number) => `bench-pkg-${String(i).padStart(5, '0')}`;
  const parts = [
    `Name: bench-src-${from}`, 'Version: 1.0', 'Release: 1.el9', 'Summary: Stand-in: benchmark corpus source (airgap-mirror)',
    'License: MIT', 'URL: https://example.invalid/bench', 'BuildArch: noarch', '',
    '%description', 'Stand-in source package for the airgap-mirror benchmark corpus.', '',
  ];
  const install: string[] = [];
  const files: string[] = [];
  for (let i = from; i < to; i++) {
    const n = name(i);
    const fileCount = 12 + (i * 7) % 29;
    parts.push(`%package -n ${n}`, `Summary: Stand-in: benchmark package ${i} (airgap-mirror)`, `Version: ${1 + (i % 5)}.${i % 13}.${i % 7}`, 'Release: 1.el9',
      `Provides: lib${n}.so.1()(64bit)`, `Provides: bench-capability-${i % 97} = ${i % 11}`);
    if (i > 0) parts.push(`Requires: ${name(i - 1)} >= 1.0`, `Requires: lib${name(Math.floor(i / 2))}.so.1()(64bit)`);
    if (i > 2) parts.push(`Requires: /usr/bin/${name(i - 3)}`, `Recommends: ${name(i - 2)}`);
    parts.push('', `%description -n ${n}`, `Stand-in package ${i} of the airgap-mirror benchmark corpus, with ${fileCount} files.`, '');
    install.push(`mkdir -p %{buildroot}/usr/share/doc/${n} %{buildroot}/usr/lib64/${n} %{buildroot}/usr/bin %{buildroot}/etc/${n}`,
      `echo '#!/bin/sh' > %{buildroot}/usr/bin/${n}; chmod 755 %{buildroot}/usr/bin/${n}`,
      `echo ${i} > %{buildroot}/etc/${n}/${n}.conf`,
      `for f in $(seq 1 ${fileCount}); do echo "${n} $f" > %{buildroot}/usr/lib64/${n}/module-$f.so; done`,
      `echo ${n} > %{buildroot}/usr/share/doc/${n}/README`,
      ...(payloadBytes ? [`head -c ${payloadBytes} /dev/urandom > %{buildroot}/usr/lib64/${n}/data.bin`] : []));
    files.push(`%files -n ${n}`, `/usr/bin/${n}`, `%config(noreplace) /etc/${n}/${n}.conf`, `/usr/lib64/${n}`, `/usr/share/doc/${n}`, '');
  }
  return [...parts, '%prep', '%build', '%install', ...install, '', ...files,
    '%changelog', '* Mon Jun 02 2025 Bench Builder <bench@airgap-mirror.invalid> - 1.0-1', '- stand-in corpus build', ''].join('\n');
}

/**
 * Writes `count` packages, the k-th made by `make(k)`, into `pkgDir` with rpm-writer.ts (each
 * file renamed into place when complete).
 */
async function writeDirect(pkgDir: string, count: number, make: (k: number) => CorpusPackage,
  log: (s: string) => void): Promise<void> {
  let next = 0, done = 0;
  const worker = async () => {
    for (let k = next++; k < count; k = next++) {
      const pkg = make(k);
      const file = join(pkgDir, `${pkg.name}-${pkg.version}-${pkg.release}.${pkg.arch}.rpm`);
      await writeFile(`${file}.part`, await writeRpm(pkg));
      await rename(`${file}.part`, file);
      if (++done % 1000 === 0 || done === count) log(`corpus: ${done}/${count} packages`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** Builds N corpus packages into `<outDir>/Packages` (numbered from `first`); returns the number built. */
export async function makeCorpus(outDir: string, n: number, log: (s: string) => void = () => {},
  o: { payloadBytes?: number; first?: number; profile?: CorpusProfile } = {}): Promise<number> {
  const pkgDir = join(outDir, 'Packages');
  await mkdir(pkgDir, { recursive: true });
  if (o.profile) {
    const first = o.first ?? 0, plan = o.profile === 'realistic' ? realisticPlan(n) : [];
    await writeDirect(pkgDir, n, o.profile === 'realistic' ? (k) => realisticPackage(plan[k]![0], plan[k]![1], n)
      : (k) => smallPackage(first + k), log);
    return (await readdir(pkgDir)).filter((f) => f.endsWith('.rpm')).length;
  }
  const work = await mkdtemp(join(tmpdir(), 'airgap-corpus-'));
  try {
    const chunks: [number, number][] = [];
    const first = o.first ?? 0;
    for (let i = first; i < first + n; i += CHUNK) chunks.push([i, Math.min(first + n, i + CHUNK)]);
    let done = 0;
    const worker = async () => {
      for (let c = chunks.shift(); c; c = chunks.shift()) {
        const top = join(work, `t${c[0]}`);
        const spec = join(work, `bench-${c[0]}.spec`);
        await writeFile(spec, corpusSpec(c[0], c[1], o.payloadBytes));
        await run('rpmbuild', ['--quiet', '-bb', '--define', `_topdir ${top}`, '--define', 'debug_package %{nil}', '--define', '__os_install_post %{nil}',
          '--define', '_build_id_links none', '--define', '_binary_payload w1.gzdio', spec], { maxBuffer: 1 << 26, env: { ...process.env, SOURCE_DATE_EPOCH: '1748822400' } });
        const rpmDir = join(top, 'RPMS', 'noarch');
        for (const f of await readdir(rpmDir)) await rename(join(rpmDir, f), join(pkgDir, f));
        await rm(top, { recursive: true, force: true });
        done += c[1] - c[0];
        log(`corpus: ${done}/${n} packages`);
      }
    };
    await Promise.all([worker(), worker()]);
    return (await readdir(pkgDir)).filter((f) => f.endsWith('.rpm')).length;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, count, profile = 'small'] = process.argv.slice(2);
  if (!out || !count || (profile !== 'small' && profile !== 'realistic')) {
    process.stderr.write('usage: make-corpus.ts OUT_DIR N [small|realistic]\n');
    process.exit(1);
  }
  const started = Date.now();
  const built = await makeCorpus(out, Number(count), (s) => process.stderr.write(s + '\n'), { profile });
  process.stdout.write(`${built} packages in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
