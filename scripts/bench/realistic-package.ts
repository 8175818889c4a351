/**
 * The `realistic` bench corpus profile, shaped like a RHEL 9 AppStream + BaseOS + rhocp mirror
 * rather than 40 tiny files per package: heavy-tailed file counts (most packages 5–80 files, 1%
 * about 2,000, one in 2,000 a kernel-devel-like 20,000 in nested directories), heavy-tailed
 * payloads (every second package carries 8 KiB–1 MiB of incompressible data), sonames, 5–30
 * requires each (versioned, sonames, a file require, virtual capabilities of 5 providers each, as
 * a real `webclient` or `mta` has: not growing with the corpus), weak dependencies (Recommends, Suggests,
 * Supplements), one name in five in a second, newer version, a changelog of several entries,
 * and ~10% of packages with HTML-like or non-ASCII text. Every value, payload bytes included, is
 * derived from the package index, so the corpus is the same on every machine. Packages are
 * written by rpm-writer.ts, so 30,000 of them take minutes instead of rpmbuild's hours.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Sense } from '../formats/format.ts';
import { corpusDep, CORPUS_BUILD_TIME, dirFile, type CorpusDep, type CorpusFile, type CorpusPackage }
  from './rpm-writer.ts';

/** A 32-bit hash of `i` and a salt (mulberry32 step), for deterministic "random" choices; in [0, 1). */
export function hash(i: number, salt: number): number {
  let t = (i * 0x9e3779b1 + salt * 0x85ebca6b) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
}

/** Files of package `i`: 20,000 for one in 2,000, about 2,000 for 1%, else 5–80 (cubic tail). */
export function fileCountOf(i: number): number {
  if (i % 2000 === 7) return 20_000;
  if (i % 100 === 3) return 1500 + Math.floor(hash(i, 1) * 1000);
  return 5 + Math.floor(75 * hash(i, 2) ** 3);
}

const name = (i: number) => `rl-pkg-${String(i).padStart(5, '0')}`;

/** Summary and description of package `i`: ~5% HTML-like, ~5% non-ASCII, the rest plain. */
function texts(i: number): [string, string] {
  if (i % 20 === 1) return [`Library for <b>bold</b> output ${i}`, `Renders <p>markup</p> & <a href="x">links</a> for package ${i}.`];
  if (i % 20 === 2) return [`Bibliothèque für Ünïcode ${i}`, `Prise en charge de l'Unicode — 日本語のテキスト, package ${i}.`];
  return [`Stand-in: realistic corpus package ${i} (airgap-mirror)`, `Stand-in package ${i} of the realistic benchmark corpus.`];
}

/** `size` incompressible bytes, the same for the same `seed` (AES-128-CTR keystream). */
export function noise(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

const MONDAYS: [number, number][] = [[0, 6], [1, 3], [2, 3], [3, 7], [4, 5], [5, 2], [6, 7], [7, 4], [8, 1], [9, 6]];

/** The files of package `i`, sorted by path (directories included, as `%files` of a directory owns them). */
function filesOf(i: number, major: number): CorpusFile[] {
  const p = name(i);
  const count = fileCountOf(i);
  const root = count > 1000 ? `/usr/src/kernels/${p}` : `/usr/lib64/${p}`;
  const files: CorpusFile[] = [
    { path: `/usr/bin/${p}`, mode: 0o100755, data: Buffer.from('#!/bin/sh\n') },
    { path: `/etc/${p}/${p}.conf`, mode: 0o100644, data: Buffer.from(`${i}\n`), flags: 1 | 16 },
    dirFile(`/usr/share/doc/${p}`), { path: `/usr/share/doc/${p}/README`, mode: 0o100644, data: Buffer.from(`${p}\n`) },
    dirFile(root),
  ];
  const empty = Buffer.alloc(0);
  for (let d = 0; d < Math.max(1, Math.ceil(count / 100)); d++) files.push(dirFile(`${root}/d${d}`));
  for (let f = 1; f <= count; f++) {
    files.push({ path: `${root}/d${Math.floor((f - 1) / 100)}/f${f}.h`, mode: 0o100644, data: empty });
  }
  if (i % 2 === 0) {
    const size = 8192 << Math.floor(hash(i, 4) * 8);
    files.push({ path: `${root}/data.bin`, mode: 0o100644, data: noise(`${i}-${major}`, size) });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Package `i` of a realistic corpus of `n` packages at version major `major` (1 for every
 * name, 2 for the updated fifth). Supplements only name packages that exist.
 */
export function realisticPackage(i: number, major: number, n: number): CorpusPackage {
  const p = name(i);
  const [summary, description] = texts(i);
  const version = `${major}.${i % 13}.${i % 7}`, release = `${1 + (i % 3)}.el9`;
  const requires: CorpusDep[] = [];
  const count = 5 + Math.floor(hash(i, 3) * 26);
  for (let k = 1; k <= count && i - k >= 0; k++) {
    const j = Math.floor(hash(i, 10 + k) * i);
    requires.push(k % 3 === 0 ? corpusDep(name(j), Sense.GREATER | Sense.EQUAL, '1.0')
      : k % 3 === 1 ? corpusDep(`lib${name(j)}.so.1()(64bit)`) : corpusDep(`rl-capability-${Math.floor(j / 5)}`));
  }
  if (i > 3) requires.push(corpusDep(`/usr/bin/${name(i - 3)}`));
  const source = Math.floor(i / 250) * 250;
  const changelog = Array.from({ length: 3 + (source % 8) }, (_, k) => ({
    time: Date.UTC(2025, MONDAYS[k]![0], MONDAYS[k]![1], 12) / 1000,
    name: `Bench Builder <bench@airgap-mirror.invalid> - ${major}.0-${k + 1}`,
    text: `- realistic corpus change ${k + 1}: rebuilt, <b>fixed</b> a thing`,
  })).reverse();
  return {
    name: p, version, release, arch: 'x86_64', summary, description, license: 'MIT',
    url: 'https://example.invalid/realistic', group: 'Unspecified', sourcerpm: `rl-src-${source}-v${major}-${major}.0-1.el9.src.rpm`,
    buildTime: CORPUS_BUILD_TIME, buildHost: 'bench.airgap-mirror.invalid',
    provides: [corpusDep(`lib${p}.so.${major}()(64bit)`), corpusDep(`rl-capability-${Math.floor(i / 5)}`, Sense.EQUAL, `${major}.${i % 11}`),
      corpusDep(p, Sense.EQUAL, `${version}-${release}`), corpusDep(`${p}(x86-64)`, Sense.EQUAL, `${version}-${release}`)],
    requires,
    recommends: i > 3 ? [corpusDep(name(i - 2))] : [], suggests: i > 3 ? [corpusDep(`${name(i - 1)}-doc`)] : [],
    supplements: i % 17 === 0 && i + 1 < n ? [corpusDep(name(i + 1))] : [],
    files: filesOf(i, major), changelog,
  };
}

/**
 * The packages of a realistic corpus of `n`: `[index, major]` pairs, the first 5/6 as names at
 * version 1 and the rest as version 2 of names 0, 5, 10, ...
 */
export function realisticPlan(n: number): [number, number][] {
  const names = Math.ceil((n * 5) / 6);
  const plan: [number, number][] = [];
  for (let i = 0; i < names; i++) plan.push([i, 1]);
  for (let k = 0; k < n - names; k++) plan.push([k * 5, 2]);
  return plan;
}
