/**
 * The apt row of `npm run bench`: indexing an apt repository of stand-in `.deb` files
 * (deb-package.ts, kept in `.bench/apt-mirror-<n>/apt/pool/`) by airgap-mirror against
 * apt-ftparchive (apt-utils) on the same files, medians of alternating runs (timing.ts). Both write
 * what a site serves: Packages, Packages.gz and Packages.xz, Contents-amd64.gz and Release; apt-ftparchive does
 * not sign, so ours runs with `--no-sign`. Throws when the two indices list different package counts.
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDebCorpus } from './deb-package.ts';
import { paired, timed } from './timing.ts';

/** What the apt row measured: packages, total bytes, median seconds of apt-ftparchive and of ours. */
export interface AptBenchResult { packages: number; bytes: number; peerSeconds: number; ourSeconds: number }

/** apt-ftparchive's side, as a shell script run in the repo directory, writing under `out`. */
function ftparchiveScript(out: string): string {
  const binary = `${out}/dists/stable/main/binary-amd64`;
  return [`mkdir -p ${binary}`, `apt-ftparchive packages pool > ${binary}/Packages`, `gzip -kn9 ${binary}/Packages`, `xz -k6 ${binary}/Packages`,
    `apt-ftparchive contents pool | gzip -n9 > ${out}/dists/stable/main/Contents-amd64.gz`,
    `cd ${out}/dists/stable && apt-ftparchive release . > ../Release.new && mv ../Release.new Release`].join(' && ');
}

/** Package stanzas in the Packages file at `file`. */
async function stanzas(file: string): Promise<number> {
  return (await readFile(file, 'utf8')).split('\n').filter((l) => l.startsWith('Package: ')).length;
}

/**
 * Measures the apt row for a corpus of `n` packages under `bench` (made once), with our build given
 * `workers` threads; `bin` is our CLI. Progress goes to `log`.
 */
export async function benchAptIndex(bench: string, n: number, workers: number, bin: string,
  log: (s: string) => void): Promise<AptBenchResult> {
  const mirror = join(bench, `apt-mirror-${n}`), repo = join(mirror, 'apt');
  if (!(await stat(join(repo, 'pool')).catch(() => undefined))) {
    log(`generating ${n} stand-in .deb files, once...`);
    await makeDebCorpus(repo, n, log);
  }
  const { stdout } = await timed('sh', ['-c', 'find pool -name "*.deb" -printf "%s\\n"'], repo);
  const sizes = stdout.trim().split('\n').map(Number);
  const peerOut = join(bench, 'apt-ftparchive-out'), ourOut = join(bench, 'apt-site');
  const fresh = async (dir: string) => {
    for (const d of [dir, join(bench, '.apt-site.cache')]) await rm(d, { recursive: true, force: true });
    await mkdir(bench, { recursive: true });
  };
  log('apt index vs apt-ftparchive...');
  const [peerSeconds, ourSeconds] = await paired(async () => {
    await fresh(peerOut);
    return (await timed('sh', ['-c', ftparchiveScript(peerOut)], repo)).seconds;
  }, async () => {
    await fresh(ourOut);
    return (await timed(process.execPath, [bin, 'build', '--mirror', mirror, '--out', ourOut, '--workers',
      String(workers), '--repodata-only', '--no-sign'], bench)).seconds;
  });
  const [peerCount, ourCount] = [await stanzas(join(peerOut, 'dists/stable/main/binary-amd64/Packages')),
    await stanzas(join(ourOut, 'apt/dists/stable/main/binary-amd64/Packages'))];
  if (peerCount !== ourCount || ourCount !== sizes.length) {
    throw new Error(`apt index lists ${ourCount} packages, apt-ftparchive ${peerCount}, `
      + `the pool holds ${sizes.length}`);
  }
  return { packages: ourCount, bytes: sizes.reduce((a, b) => a + b, 0), peerSeconds, ourSeconds };
}
