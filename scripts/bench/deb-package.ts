/**
 * The apt bench corpus: stand-in `.deb` files shaped like an Ubuntu pool, with the realistic RPM
 * profile's heavy tails (realistic-package.ts: file counts, every second package carrying 8 KiB–1 MiB
 * of incompressible data). Each has the fields apt indexes (Multi-Arch, Installed-Size, Section,
 * Priority, Source, Homepage), 3–12 Depends with versions and alternatives, Pre-Depends for one in
 * ten, virtual packages provided by five packages each, Recommends, Breaks/Replaces for one in
 * seven; one in five is `Architecture: all`; versions with epochs, `~` and Ubuntu revisions.
 * Written by deb-writer.ts; every byte derives from the index, so the corpus is the same everywhere.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDeb, type DebCorpusFile, type DebCorpusPackage } from './deb-writer.ts';
import { fileCountOf, hash, noise } from './realistic-package.ts';

const name = (i: number) => `rl-deb-${String(i).padStart(5, '0')}`;

/** Version of package `i`: an epoch for one in eleven, a `~` pre-release for one in nine, an Ubuntu revision. */
export function debVersionOf(i: number): string {
  const epoch = i % 11 === 5 ? '1:' : '';
  const tilde = i % 9 === 4 ? '~rc1' : '';
  return `${epoch}${1 + (i % 5)}.${i % 13}.${i % 7}${tilde}-${1 + (i % 3)}ubuntu${i % 4}`;
}

/** Files of package `i` (the realistic profile's counts, capped at 2,000: a headers package's size). */
function filesOf(i: number): DebCorpusFile[] {
  const p = name(i);
  const count = Math.min(fileCountOf(i), 2000);
  const root = count > 1000 ? `/usr/src/${p}` : `/usr/lib/x86_64-linux-gnu/${p}`;
  const files: DebCorpusFile[] = [
    { path: `/usr/bin/${p}`, data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    { path: `/usr/share/doc/${p}/copyright`, data: Buffer.from(`${p}: MIT\n`) },
  ];
  const empty = Buffer.alloc(0);
  for (let f = 1; f <= count; f++) files.push({ path: `${root}/d${Math.floor((f - 1) / 100)}/f${f}.h`, data: empty });
  const payload = 8192 << Math.floor(hash(i, 4) * 8);
  if (i % 2 === 0) files.push({ path: `${root}/data.bin`, data: noise(`deb-${i}`, payload) });
  return files;
}

/** Package `i` of the apt corpus. */
export function debPackage(i: number): DebCorpusPackage {
  const p = name(i);
  const files = filesOf(i);
  const depends: string[] = [];
  const count = 3 + Math.floor(hash(i, 3) * 10);
  for (let k = 1; k <= count && i - k >= 0; k++) {
    const j = Math.floor(hash(i, 10 + k) * i);
    depends.push(k % 3 === 0 ? `${name(j)} (>= 1.0)` : k % 3 === 1 ? `${name(j)} | rl-virtual-${Math.floor(j / 5)}`
      : `rl-virtual-${Math.floor(j / 5)}`);
  }
  const bytes = files.reduce((n, f) => n + f.data.length, 0);
  const control: Record<string, string> = {
    Package: p, Source: `rl-src-${Math.floor(i / 250) * 250}`, Version: debVersionOf(i),
    Architecture: i % 5 === 0 ? 'all' : 'amd64',
    Maintainer: 'Bench Builder <bench@airgap-mirror.invalid>',
    'Installed-Size': String(Math.ceil(bytes / 1024) + files.length),
    ...(i % 5 !== 0 && i % 2 === 1 ? { 'Multi-Arch': 'same' } : {}),
    ...(i % 10 === 3 && i > 1 ? { 'Pre-Depends': `${name(i - 1)} (>= 1.0~)` } : {}),
    ...(depends.length ? { Depends: [...new Set(depends)].join(', ') } : {}),
    ...(i > 3 ? { Recommends: name(i - 2) } : {}),
    ...(i % 7 === 2 && i > 1 ? { Breaks: `${name(i - 1)} (<< 1.0)`, Replaces: `${name(i - 1)} (<< 1.0)` } : {}),
    Provides: `rl-virtual-${Math.floor(i / 5)}`,
    Section: i % 3 === 0 ? 'libs' : 'utils', Priority: 'optional', Homepage: 'https://example.invalid/realistic',
    Description: `Stand-in: apt corpus package ${i} (airgap-mirror)`
      + `\n Stand-in package ${i} of the apt benchmark corpus,`
      + `\n with ${files.length} files.\n .\n Second paragraph.`,
  };
  return { control, files };
}

/** Writes packages [0, n) into `<outDir>/pool/main/r/rl-src-<k>/` (as an apt mirror lays them out); returns n. */
export async function makeDebCorpus(outDir: string, n: number, log: (s: string) => void = () => {}): Promise<number> {
  let next = 0, done = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const pkg = debPackage(i);
      const dir = join(outDir, 'pool/main/r', pkg.control.Source!);
      await mkdir(dir, { recursive: true });
      const arch = pkg.control.Architecture!, version = pkg.control.Version!.replace(/^\d+:/, '');
      const file = join(dir, `${pkg.control.Package}_${version}_${arch}.deb`);
      await writeFile(`${file}.part`, await writeDeb(pkg));
      await rename(`${file}.part`, file);
      if (++done % 1000 === 0 || done === n) log(`apt corpus: ${done}/${n} packages`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return n;
}
