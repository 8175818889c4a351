/**
 * Many warnings of one kind do not bury the rest: the terminal shows the first 5 of each kind
 * and one line with the count and where all are; every error is shown; `--log FILE` keeps every
 * line; the site's problems page lists every one. Peak memory covers the whole process tree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { run, type RunResult } from '../helpers/run.ts';

let base: string;
let result: RunResult;
const N = 8;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-diag-'));
  const spec = ['Name: marked', 'Version: 1', 'Release: 1', 'Summary: stand-in', 'License: MIT', 'BuildArch: noarch',
    '%description', 'stand-in',
    ...Array.from({ length: N }, (_, i) => [`%package -n marked${i}`, `Summary: <b>bold</b> summary ${i}`,
      `%description -n marked${i}`, `Text with <script>markup</script> ${i}`, `%files -n marked${i}`]).flat(), ''].join('\n');
  await writeFile(join(base, 'marked.spec'), spec);
  const repo = join(base, 'mirror/repo');
  await mkdir(repo, { recursive: true });
  const b = await run('rpmbuild', ['--quiet', '-bb', '--define', `_topdir ${join(base, 'top')}`, '--define', `_rpmdir ${repo}`,
    '--define', '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm', join(base, 'marked.spec')]);
  expect(b.code, b.stderr).toBe(0);
  await writeFile(join(repo, 'broken-1-1.noarch.rpm'), 'not a package');
  await writeFile(join(repo, 'broken-2-1.noarch.rpm'), 'not a package either');
  await copyFile(join(SAMPLE_MIRROR, 'ubi9/baseos/Packages/hostname-3.23-6.el9.aarch64.rpm'), join(repo, 'hostname-3.23-6.el9.aarch64.rpm'));
  result = await cli(['build', '--mirror', join(base, 'mirror'), '--out', join(base, 'site'), '--log', join(base, 'build.log')]);
}, 120_000);
afterAll(async () => { await rm(base, { recursive: true, force: true }); });

describe('aggregated diagnostics', () => {
  it('shows every error, the first 5 warnings of a kind, and one line for the rest', () => {
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('error:'))).toHaveLength(2);
    expect(lines.filter((l) => /^warning: .*\[html-in-text\]$/.test(l))).toHaveLength(5);
    expect(lines).toContain(`warning: ${N} of [html-in-text] in all (e.g. package text contains HTML-like markup (summary, description); `
      + `it is shown as text, never run); the first 5 are above, every one on the site's problems page (_site/verify/) and in ${join(base, 'build.log')}`);
    expect(result.stdout).toMatch(/2 inputs skipped, 8 warnings/);
  });

  it('--log keeps every line and the summary; the problems page lists every one', async () => {
    const log = (await readFile(join(base, 'build.log'), 'utf8')).split('\n');
    expect(log.filter((l) => /\[html-in-text\]$/.test(l))).toHaveLength(N);
    expect(log.filter((l) => /\[rpm-not-rpm\]$/.test(l))).toHaveLength(2);
    expect(log.join('\n')).toContain('Peak memory:');
    const page = await readFile(join(base, 'site/_site/verify/index.html'), 'utf8');
    for (let i = 0; i < N; i++) expect(page).toContain(`marked${i}-1-1.noarch.rpm`);
    expect(await readdir(join(base, 'site/repo'))).toContain('repodata');
  });

  it('reports the peak memory of the whole process tree, the search indexer included', () => {
    expect(result.stdout).toMatch(/Peak memory: \d+ MB \(this process and the ones it started, e\.g\. the search indexer\)\./);
  });
});
