/**
 * The `realistic` bench corpus profile, shaped like a RHEL 9 AppStream + BaseOS + rhocp mirror
 * rather than 40 tiny files per package: heavy-tailed file counts (most packages 5–80 files, 1%
 * about 2,000, one in 2,000 a kernel-devel-like 20,000 in nested directories), heavy-tailed
 * payloads (every 20th package carries 4 KiB–512 KiB of incompressible data), sonames, 5–30
 * requires each (versioned, sonames, a file require), weak dependencies (Recommends, Suggests,
 * Supplements), about 20% of names in a second, newer version, a changelog of several entries,
 * and ~10% of packages with HTML-like or non-ASCII text. Every value is derived from the package
 * index, so the corpus is the same on every machine. Files are created with `xargs touch` so a
 * 20,000-file package builds in seconds.
 */

/** A 32-bit hash of `i` and a salt (mulberry32 step), for deterministic "random" choices. */
function hash(i: number, salt: number): number {
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

/**
 * Spec text for the realistic packages with indices `from, from + step, ...` below `to` at
 * version major `major` (1 for every name, 2 for the updated fifth); `n` is the number of
 * names (Supplements only name packages that exist).
 */
export function realisticSpec(from: number, to: number, major: number, n: number, step = 1): string {
  const parts = [
    `Name: rl-src-${from}-v${major}`, `Version: ${major}.0`, 'Release: 1.el9', 'Summary: Stand-in: realistic corpus source',
    'License: MIT', 'URL: https://example.invalid/realistic', '',
    '%description', 'Stand-in source package of the airgap-mirror realistic corpus.', '',
  ];
  const install: string[] = [];
  const files: string[] = [];
  for (let i = from; i < to; i += step) {
    const p = name(i);
    const [summary, description] = texts(i);
    parts.push(`%package -n ${p}`, `Summary: ${summary}`, `Version: ${major}.${i % 13}.${i % 7}`, `Release: ${1 + (i % 3)}.el9`,
      'AutoReqProv: no',
      `Provides: lib${p}.so.${major}()(64bit)`, `Provides: rl-capability-${i % 211} = ${major}.${i % 11}`);
    const requires = 5 + Math.floor(hash(i, 3) * 26);
    for (let k = 1; k <= requires && i - k >= 0; k++) {
      const j = Math.floor(hash(i, 10 + k) * i);
      parts.push(k % 3 === 0 ? `Requires: ${name(j)} >= 1.0` : k % 3 === 1 ? `Requires: lib${name(j)}.so.1()(64bit)`
        : `Requires: rl-capability-${j % 211}`);
    }
    if (i > 3) parts.push(`Requires: /usr/bin/${name(i - 3)}`, `Recommends: ${name(i - 2)}`, `Suggests: ${name(i - 1)}-doc`);
    if (i % 17 === 0 && i + 1 < n) parts.push(`Supplements: ${name(i + 1)}`);
    parts.push('', `%description -n ${p}`, description, '');
    const count = fileCountOf(i);
    const dirs = Math.max(1, Math.ceil(count / 100));
    const root = count > 1000 ? `/usr/src/kernels/${p}` : `/usr/lib64/${p}`;
    install.push(`mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/share/doc/${p} %{buildroot}/etc/${p}`,
      `echo '#!/bin/sh' > %{buildroot}/usr/bin/${p}; chmod 755 %{buildroot}/usr/bin/${p}`,
      `echo ${i} > %{buildroot}/etc/${p}/${p}.conf`, `echo ${p} > %{buildroot}/usr/share/doc/${p}/README`,
      `(mkdir -p %{buildroot}${root} && cd %{buildroot}${root} && seq 0 $((${dirs} - 1)) | sed 's/^/d/' | xargs mkdir -p`
        + ` && seq 1 ${count} | awk '{ print "d" int(($1 - 1) / 100) "/f" $1 ".h" }' | xargs touch)`);
    if (i % 2 === 0) install.push(`head -c ${8192 << Math.floor(hash(i, 4) * 8)} /dev/urandom > %{buildroot}${root}/data.bin`);
    files.push(`%files -n ${p}`, `/usr/bin/${p}`, `%config(noreplace) /etc/${p}/${p}.conf`, root, `/usr/share/doc/${p}`, '');
  }
  const mondays = ['Jan 06', 'Feb 03', 'Mar 03', 'Apr 07', 'May 05', 'Jun 02', 'Jul 07', 'Aug 04', 'Sep 01', 'Oct 06'];
  const changelog = Array.from({ length: 3 + (from % 8) }, (_, k) =>
    [`* Mon ${mondays[k]} 2025 Bench Builder <bench@airgap-mirror.invalid> - ${major}.0-${k + 1}`,
      `- realistic corpus change ${k + 1}: rebuilt, <b>fixed</b> a thing`]).reverse().flat();
  return [...parts, '%prep', '%build', '%install', ...install, '', ...files, '%changelog', ...changelog, ''].join('\n');
}

/**
 * The chunks of a realistic corpus of `n` packages: `[from, to, major]`, the first 5/6 of the
 * packages as names at version 1 and the rest as version 2 of every fifth of those names.
 */
export function realisticChunks(n: number, chunk: number): { from: number; to: number; major: number; step: number }[] {
  const names = Math.ceil((n * 5) / 6);
  const out = [];
  for (let i = 0; i < names; i += chunk) out.push({ from: i, to: Math.min(names, i + chunk), major: 1, step: 1 });
  // version 2 of names 0, 5, 10, ...: one spec per range of names, every fifth name inside it
  const updates = n - names;
  for (let k = 0; k < updates; k += chunk) out.push({ from: k * 5, to: Math.min(updates, k + chunk) * 5, major: 2, step: 5 });
  return out;
}

/** The number of names of a realistic corpus of `n` packages. */
export const realisticNames = (n: number) => Math.ceil((n * 5) / 6);
