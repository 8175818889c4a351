/**
 * Small real RPMs written in the test by scripts/bench/rpm-writer.ts (rpm -K and createrepo_c
 * read them: tests/bench/rpm-writer.test.ts), for mirrors that need a given NEVRA, name or
 * dependency without an rpmbuild run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { corpusDep, CORPUS_BUILD_TIME, type CorpusDep, type CorpusPackage, writeRpm } from '../../scripts/bench/rpm-writer.ts';
import { Sense } from '../../scripts/formats/rpm/tags.ts';

/** What a stand-in sets; everything else is fixed (it provides its own name = version-release, as rpmbuild adds). */
export interface StandIn { name: string; version?: string; release?: string; arch?: string; requires?: CorpusDep[];
  provides?: CorpusDep[]; recommends?: CorpusDep[]; summary?: string }

/** Writes the stand-in package into `dir` (created) as `<file>` or `name-version-release.arch.rpm`; returns its path. */
export async function writeStandInRpm(dir: string, p: StandIn, file?: string): Promise<string> {
  const version = p.version ?? '1.0', release = p.release ?? '1.el9';
  const pkg: CorpusPackage = {
    name: p.name, version, release, arch: p.arch ?? 'noarch',
    summary: p.summary ?? `stand-in ${p.name}`, description: `Stand-in ${p.name} for airgap-mirror tests.`, license: 'MIT',
    url: 'https://example.invalid/', group: 'Unspecified', sourcerpm: `${p.name}-1.0-1.el9.src.rpm`,
    buildTime: CORPUS_BUILD_TIME, buildHost: 'test.airgap-mirror.invalid',
    provides: [corpusDep(p.name, Sense.EQUAL, `${version}-${release}`), ...p.provides ?? []], requires: p.requires ?? [], recommends: p.recommends ?? [], suggests: [], supplements: [],
    files: [{ path: `/usr/share/stand-in/${p.name}`, mode: 0o100644, data: Buffer.from(`${p.name}\n`) }],
    changelog: [],
  };
  await mkdir(dir, { recursive: true });
  const path = join(dir, file ?? `${pkg.name}-${pkg.version}-${pkg.release}.${pkg.arch}.rpm`);
  await writeFile(path, await writeRpm(pkg));
  return path;
}
