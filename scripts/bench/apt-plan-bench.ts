/**
 * The apt plan row of `npm run bench` (issue 27): the closure of a driver build's roots over a real
 * Debian index of about 60,000 packages (this machine's `/var/lib/apt/lists/*_bookworm_main_binary-amd64_Packages.lz4`,
 * unpacked once into `.bench/apt-plan/`), ours (apt-plan-worker.ts: parse + closure) against
 * `apt-get install --download-only -s --no-install-recommends` of the same roots in an isolated root
 * whose cache is removed before each run (so apt parses the index too), medians of alternating runs.
 * The roots are those of the GPU driver build for the newest `linux-image-*-amd64` kernel in the
 * index, with `pkg-config`, `gcc-12`, `dkms` and `build-essential`. Throws when the index is absent.
 */
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { paired, timed } from './timing.ts';

/** What the row measured: index size, roots, median seconds of apt and ours, both closures' sizes, our peak RSS. */
export interface AptPlanResult {
  packages: number; roots: string[]; aptSeconds: number; ourSeconds: number; aptPicks: number; ourPicks: number;
  onlyOurs: string[]; onlyApt: string[]; maxRssBytes: number;
}

const LISTS = '/var/lib/apt/lists';
const WORKER = fileURLToPath(new URL('./apt-plan-worker.ts', import.meta.url));

/** apt-get with all state under `root`. */
const aptArgs = (root: string) => ['-o', `Dir=${root}`, '-o', `Dir::State::status=${root}/status`,
  '-o', 'APT::Architecture=amd64', '-o', 'APT::Architectures=amd64', '-o', 'Debug::NoLocking=1',
  '-o', 'APT::Sandbox::User=root'];

/** Measures the row under `bench`; progress goes to `log`. */
export async function benchAptPlan(bench: string, log: (s: string) => void): Promise<AptPlanResult> {
  const dir = join(bench, 'apt-plan'), dist = join(dir, 'archive/dists/bookworm');
  const packagesFile = join(dist, 'main/binary-amd64/Packages');
  if (!(await stat(packagesFile).catch(() => undefined))) {
    const lz4 = (await readdir(LISTS)).find((f) => /_bookworm_main_binary-amd64_Packages\.lz4$/.test(f));
    if (!lz4) throw new Error(`no bookworm main Packages in ${LISTS}: run apt-get update first`);
    log('unpacking the Debian index once...');
    await mkdir(join(dist, 'main/binary-amd64'), { recursive: true });
    await timed('sh', ['-c', `lz4 -dc ${join(LISTS, lz4)} > ${packagesFile}`], dir);
    await timed('sh', ['-c', 'apt-ftparchive -o APT::FTPArchive::Release::Suite=bookworm '
      + '-o APT::FTPArchive::Release::Architectures=amd64 -o APT::FTPArchive::Release::Components=main '
      + 'release . > Release.new && mv Release.new Release'], dist);
  }
  const root = join(dir, 'apt-root');
  await rm(root, { recursive: true, force: true });
  for (const d of ['etc/apt/sources.list.d', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial']) {
    await mkdir(join(root, d), { recursive: true });
  }
  await writeFile(join(root, 'status'), '');
  await writeFile(join(root, 'etc/apt/sources.list.d/bench.list'),
    `deb [trusted=yes] file:${join(dir, 'archive')} bookworm main\n`);
  await timed('apt-get', [...aptArgs(root), 'update'], dir);
  const newest = `grep -o '^Package: linux-image-[0-9.]*-[0-9]*-amd64$' ${packagesFile} | sort -V | tail -1`;
  const names = (await timed('sh', ['-c', newest], dir)).stdout.trim().slice('Package: linux-image-'.length);
  const roots = [`linux-headers-${names}`, `linux-image-${names}`, 'pkg-config', 'gcc-12', 'dkms', 'build-essential'];
  log(`apt plan: closure of ${roots.join(' ')} vs apt-get -s...`);
  let aptPicks: string[] = [], ours = { packages: 0, closure: [] as string[], maxRssBytes: 0 };
  const [aptSeconds, ourSeconds] = await paired(async () => {
    await timed('sh', ['-c', 'rm -f var/cache/apt/*.bin'], root);
    const r = await timed('apt-get', [...aptArgs(root), 'install', '--download-only', '-s', '--no-install-recommends',
      ...roots], dir);
    aptPicks = [...r.stdout.matchAll(/^Inst (\S+)/gm)].map((m) => m[1]!).sort();
    return r.seconds;
  }, async () => {
    const r = await timed(process.execPath, [WORKER, packagesFile, 'amd64', ...roots], dir);
    ours = JSON.parse(r.stdout);
    return r.seconds;
  });
  const apt = new Set(aptPicks), mine = new Set(ours.closure);
  return {
    packages: ours.packages, roots, aptSeconds, ourSeconds, aptPicks: aptPicks.length, ourPicks: ours.closure.length,
    onlyOurs: ours.closure.filter((n) => !apt.has(n)), onlyApt: aptPicks.filter((n) => !mine.has(n)),
    maxRssBytes: ours.maxRssBytes,
  };
}
