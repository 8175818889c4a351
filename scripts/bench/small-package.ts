/**
 * The `small` bench corpus profile: noarch packages of 12–40 tiny files each under
 * `/usr/lib64/<name>/`, a binary, a config file and a README; a soname and a capability
 * provided, the previous package (versioned), a soname, a file and the package before that
 * (Recommends) required; one changelog entry. The shape of the older rpmbuild corpus, written
 * by rpm-writer.ts, so 100,000 packages take minutes instead of rpmbuild's hour.
 */
import { Sense } from '../formats/format.ts';
import { corpusDep, CORPUS_BUILD_TIME, dirFile, type CorpusFile, type CorpusPackage } from './rpm-writer.ts';

const name = (i: number) => `bench-pkg-${String(i).padStart(5, '0')}`;

/** Files of package `i`, sorted by path: 12 + (7i mod 29) modules and four more, their directories too. */
function filesOf(i: number): CorpusFile[] {
  const p = name(i);
  const modules = Array.from({ length: 12 + (i * 7) % 29 }, (_, k) => `module-${k + 1}.so`).sort();
  const files: CorpusFile[] = [
    { path: `/etc/${p}/${p}.conf`, mode: 0o100644, data: Buffer.from(`${i}\n`), flags: 1 | 16 },
    { path: `/usr/bin/${p}`, mode: 0o100755, data: Buffer.from('#!/bin/sh\n') },
    dirFile(`/usr/lib64/${p}`),
    ...modules.map((m) => ({ path: `/usr/lib64/${p}/${m}`, mode: 0o100644, data: Buffer.from(`${p} ${m}\n`) })),
    dirFile(`/usr/share/doc/${p}`),
    { path: `/usr/share/doc/${p}/README`, mode: 0o100644, data: Buffer.from(`${p}\n`) },
  ];
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Package `i` of the small corpus. */
export function smallPackage(i: number): CorpusPackage {
  const p = name(i);
  const version = `${1 + (i % 5)}.${i % 13}.${i % 7}`, release = '1.el9';
  const source = Math.floor(i / 250) * 250;
  return {
    name: p, version, release, arch: 'noarch',
    summary: `Stand-in: benchmark package ${i} (airgap-mirror)`,
    description: `Stand-in package ${i} of the airgap-mirror benchmark corpus.`, license: 'MIT',
    url: 'https://example.invalid/bench', group: 'Unspecified', sourcerpm: `bench-src-${source}-1.0-1.el9.src.rpm`,
    buildTime: CORPUS_BUILD_TIME, buildHost: 'bench.airgap-mirror.invalid',
    provides: [corpusDep(`lib${p}.so.1()(64bit)`), corpusDep(`bench-capability-${i % 97}`, Sense.EQUAL, String(i % 11)),
      corpusDep(p, Sense.EQUAL, `${version}-${release}`)],
    requires: [
      ...(i > 0 ? [corpusDep(name(i - 1), Sense.GREATER | Sense.EQUAL, '1.0'),
        corpusDep(`lib${name(Math.floor(i / 2))}.so.1()(64bit)`)] : []),
      ...(i > 2 ? [corpusDep(`/usr/bin/${name(i - 3)}`)] : []),
    ],
    recommends: i > 2 ? [corpusDep(name(i - 2))] : [], suggests: [], supplements: [],
    files: filesOf(i),
    changelog: [{ time: Date.UTC(2025, 5, 2, 12) / 1000, name: 'Bench Builder <bench@airgap-mirror.invalid> - 1.0-1',
      text: '- stand-in corpus build' }],
  };
}
