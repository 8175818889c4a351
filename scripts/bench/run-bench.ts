/**
 * `npm run bench [-- --n 30000] [--profile small|realistic] [--workers W]`: measures airgap-mirror
 * against createrepo_c on the same corpus (default: 1,000 packages of the realistic profile,
 * realistic-package.ts), in one run, and prints seconds and ratios:
 *   full index (createrepo_c --workers W --no-database vs build --repodata-only --workers W),
 *   the same against createrepo_c plus `rpmkeys --checksig --nosignature` (the digest checks
 *   build does and createrepo_c does not),
 *   the same for 16 packages of 64 MiB (hashing-bound, like CUDA or kernel-devel packages),
 *   incremental with 1% of packages changed (createrepo_c --update vs our cache),
 *   full site build (index + pages + search) time and peak RSS, and a rebuild with 1% changed
 *   (medians of 3 runs each),
 *   bundle / verify vs tar + sha256sum,
 *   sync of the corpus repo from nginx on 127.0.0.1 vs `dnf reposync --download-metadata`,
 *   the apt index of min(N, 5000) stand-in .deb files vs apt-ftparchive (apt-bench.ts; alone with `--only apt`),
 *   the apt plan (parse + closure) over Debian's own index of about 63,000 packages vs `apt-get -s`
 *   (apt-plan-bench.ts; alone with `--only apt-plan`).
 * Index rows are the median of 3 runs, createrepo_c and ours alternating.
 * The corpus (N stand-in RPMs from make-corpus.ts plus the committed real RPMs) is kept in
 * `.bench/` and reused. The results table is written into README.md between bench markers.
 */
import { cp, mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeCorpus, type CorpusProfile } from './make-corpus.ts';
import { startNginxServers } from '../../tests/helpers/nginx.ts';
import { benchAptIndex } from './apt-bench.ts';
import { benchAptPlan } from './apt-plan-bench.ts';
import { median, paired, ROUNDS, timed as timedIn } from './timing.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'scripts/bin/airgap-mirror.mjs');

const timed = (cmd: string, args: string[], cwd = ROOT) => timedIn(cmd, args, cwd);

const { values } = parseArgs({ options: { n: { type: 'string', default: '1000' }, profile: { type: 'string', default: 'realistic' },
  workers: { type: 'string', default: String(availableParallelism()) }, 'no-readme': { type: 'boolean', default: false }, only: { type: 'string' } } });
const profile = values.profile as CorpusProfile;
if (profile !== 'small' && profile !== 'realistic') throw new Error(`--profile ${profile}: expected small or realistic`);
// createrepo_c gets --workers W; ours too, so both use the same thread count whatever our default would pick.
const N = Number(values.n), W = Number(values.workers);
const bench = join(ROOT, '.bench');
const mirror = join(bench, profile === 'small' ? `mirror-${N}` : `mirror-${profile}-${N}`);
const log = (s: string) => process.stderr.write(`${s}\n`);
const r2 = (x: number) => x.toFixed(2);

/** The apt corpus has N packages, at most this many (1,000 of them are 127 MB). */
const APT_MAX = 5000;

/** The apt row's table line and target, from benchAptIndex. */
async function aptRow(): Promise<{ row: string[]; met: boolean }> {
  const apt = await benchAptIndex(bench, Math.min(N, APT_MAX), W, BIN, log);
  const what = `${apt.packages} .deb files (${(apt.bytes / 1e6).toFixed(0)} MB; Packages, .gz, .xz, Contents, Release)`;
  return {
    row: [`apt index: ${what}`, `${r2(apt.peerSeconds)} s (apt-ftparchive)`, `${r2(apt.ourSeconds)} s`,
      `${r2(apt.ourSeconds / apt.peerSeconds)}x their time`],
    met: apt.ourSeconds <= apt.peerSeconds,
  };
}
/** The apt plan row's table line and target (≤ 1.5x apt-get's time, peak RSS under 1 GiB), from benchAptPlan. */
async function aptPlanRow(): Promise<{ row: string[]; met: boolean }> {
  const p = await benchAptPlan(bench, log);
  const same = !p.onlyOurs.length && !p.onlyApt.length ? 'the same packages'
    : `${p.onlyOurs.length} only ours (${p.onlyOurs.join(' ')}), `
      + `${p.onlyApt.length} only apt's (${p.onlyApt.join(' ')})`;
  const rss = p.maxRssBytes / 2 ** 20;
  return {
    row: [`apt plan: closure of ${p.roots.length} roots over ${p.packages} packages (Debian bookworm main)`,
      `${r2(p.aptSeconds)} s (apt-get -s, ${p.aptPicks} packages)`,
      `${r2(p.ourSeconds)} s (${p.ourPicks} packages, ${same}; peak RSS ${rss.toFixed(0)} MiB)`,
      `${r2(p.ourSeconds / p.aptSeconds)}x their time`],
    met: p.ourSeconds <= 1.5 * p.aptSeconds && rss < 1024,
  };
}

if (values.only !== undefined) {
  const which = { apt: [aptRow, 'apt index ≤ 1.0x apt-ftparchive'],
    'apt-plan': [aptPlanRow, 'apt plan ≤ 1.5x apt-get -s, < 1 GiB'] }[values.only] as [() => Promise<{ row: string[]; met: boolean }>, string] | undefined;
  if (!which) throw new Error(`--only ${values.only}: expected apt or apt-plan`);
  const { row, met } = await which[0]();
  process.stdout.write(`| ${row.join(' | ')} |\nTarget: ${which[1]}: ${met ? 'met' : 'NOT met'}.\n`);
  process.exit(0);
}

// corpus
if (!(await stat(join(mirror, 'bench/Packages')).catch(() => undefined))) {
  log(`generating ${N} stand-in RPMs (profile ${profile}), once...`);
  await makeCorpus(join(mirror, 'bench'), N, log, { profile });
}
if (!(await stat(join(mirror, 'real')).catch(() => undefined))) {
  await cp(join(ROOT, 'tests/fixtures/real-rpms'), join(mirror, 'real'), { recursive: true, filter: (s) => !s.endsWith('.md') });
}
const repos = ['bench', 'real'];
const pkgs = (await readdir(join(mirror, 'bench/Packages'))).filter((f) => f.endsWith('.rpm')).sort();
const total = pkgs.length + (await readdir(join(mirror, 'real'))).filter((f) => f.endsWith('.rpm')).length;
log(`corpus: ${total} packages in ${repos.length} repos, workers ${W}`);

// createrepo_c on a hard-linked copy; ours writes its own output
const crDir = join(bench, `createrepo-${N}`), out = join(bench, `out-${N}`), site = join(bench, `site-${N}`);
for (const d of [crDir, out, site, `${join(bench, `.out-${N}.cache`)}`, `${join(bench, `.site-${N}.cache`)}`]) await rm(d, { recursive: true, force: true });
await timed('cp', ['-al', mirror, crDir]);
const createrepo = async (update: boolean, workers = W) => {
  let s = 0;
  for (const r of repos) s += (await timed('createrepo_c', ['--quiet', '--workers', String(workers), '--no-database', ...(update ? ['--update'] : []), join(crDir, r)])).seconds;
  return s;
};
const ours = async (dir: string, extra: string[], workers = W) => timed(process.execPath, [BIN, 'build', '--mirror', mirror, '--out', dir, '--workers', String(workers), ...extra]);

// Each full index starts from nothing: no output, no cache (and writes both, as a user's build does).
const fresh = async () => { for (const d of [out, join(bench, `.out-${N}.cache`)]) await rm(d, { recursive: true, force: true }); };
log('full index, 1 thread each...');
const [crFull1, ourFull1] = await paired(() => createrepo(false, 1), async () => { await fresh(); return (await ours(out, ['--repodata-only'], 1)).seconds; });

log('full index...');
const [crFull, ourFull] = await paired(() => createrepo(false), async () => { await fresh(); return (await ours(out, ['--repodata-only'])).seconds; });

log('digest checks of every package (rpmkeys --checksig --nosignature)...');
// what build does besides indexing: the header and payload digests of every package, as rpm -K
const rpmkeys = async () => {
  const started = performance.now();
  await timed('sh', ['-c', `find . -name '*.rpm' -print0 | xargs -0 -P ${W} -n 200 rpmkeys --checksig --nosignature >/dev/null`],
    join(mirror, 'bench/Packages'));
  return (performance.now() - started) / 1000;
};
const [crPlusKeys, ourFull2] = await paired(async () => (await createrepo(false)) + (await rpmkeys()),
  async () => { await fresh(); return (await ours(out, ['--repodata-only'])).seconds; });

log('incremental, 1% of packages changed...');
const changed = pkgs.filter((_, i) => i % 100 === 0);
const touch = async (round: number) => {
  const later = new Date(Date.now() + 60_000 * (round + 1));
  for (const f of changed) await utimes(join(mirror, 'bench/Packages', f), later, later);
};
let hits = 0;
const [crIncr, ourIncr] = await paired(async (round) => { await touch(round); return createrepo(true); }, async () => {
  const incr = await ours(out, ['--repodata-only']);
  hits = Number(/\((\d+) from the cache/.exec(incr.stdout)?.[1] ?? 0);
  return incr.seconds;
});

log('full index of large packages...');
// Hashing dominates here: a few big packages (CUDA, kernel-devel) instead of many small ones.
const LARGE = 16, LARGE_MIB = 64;
const large = join(bench, `large-${LARGE}x${LARGE_MIB}`), largeCr = join(bench, 'createrepo-large'), largeOut = join(bench, 'out-large');
if (!(await stat(join(large, 'big/Packages')).catch(() => undefined))) {
  log(`generating ${LARGE} stand-in RPMs of ${LARGE_MIB} MiB (rpmbuild), once...`);
  await makeCorpus(join(large, 'big'), LARGE, log, { payloadBytes: LARGE_MIB << 20 });
}
await rm(largeCr, { recursive: true, force: true });
// the floor for hashing-bound work: two sha256 passes over the same bytes, on W cores (pkgid, and rpm's payload digest)
const twoSha = async () => {
  const started = performance.now();
  for (let pass = 0; pass < 2; pass++) {
    await timed('sh', ['-c', `find . -name '*.rpm' -print0 | xargs -0 -P ${W} -n 1 sha256sum >/dev/null`], join(large, 'big/Packages'));
  }
  return (performance.now() - started) / 1000;
};
const shaLarge = median([await twoSha(), await twoSha(), await twoSha()]);
await timed('cp', ['-al', large, largeCr]);
const [crLarge, ourLarge] = await paired(
  async () => (await timed('createrepo_c', ['--quiet', '--workers', String(W), '--no-database', join(largeCr, 'big')])).seconds,
  async () => {
    for (const d of [largeOut, join(bench, '.out-large.cache')]) await rm(d, { recursive: true, force: true });
    return (await timed(process.execPath, [BIN, 'build', '--mirror', large, '--out', largeOut, '--workers', String(W), '--repodata-only'])).seconds;
  },
);

log('sync from nginx on loopback vs dnf reposync...');
// The upstream is createrepo_c's copy of the corpus (repodata written by the rounds above).
const [nginx] = await startNginxServers((ports) => `server { listen 127.0.0.1:${ports[0]}; location / { root ${crDir}; } }`);
const syncDir = join(bench, 'sync'), syncCfg = join(bench, 'sync.yaml'), syncCache = join(bench, 'dnf-cache');
await writeFile(syncCfg, `sync:\n  repos:\n    - { id: bench, baseurl: "${nginx!.url}bench/", path: bench }\n`);
const countRpms = async (dir: string) => (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.rpm')).length;
let syncedOurs = 0, syncedDnf = 0;
const [dnfSync, ourSync] = await paired(async () => {
  for (const d of [syncDir, syncCache]) await rm(d, { recursive: true, force: true });
  const t = await timed('dnf', ['-q', 'reposync', '--setopt=reposdir=/dev/null', `--setopt=cachedir=${syncCache}`,
    `--repofrompath=bench,${nginx!.url}bench/`, '--repo=bench', '--download-metadata', '-p', syncDir]);
  syncedDnf = await countRpms(syncDir);
  return t.seconds;
}, async () => {
  await rm(syncDir, { recursive: true, force: true });
  const t = await timed(process.execPath, [BIN, 'sync', '--config', syncCfg, '--mirror', syncDir]);
  syncedOurs = await countRpms(syncDir);
  return t.seconds;
});
await nginx!.stop();
if (syncedOurs !== syncedDnf) throw new Error(`sync fetched ${syncedOurs} packages, dnf reposync ${syncedDnf}`);

log(`full site build (index, pages, search), ${ROUNDS} cold runs...`);
// medians like the index rows; the peak is the highest of the runs
const siteRuns: number[] = [];
let peakMb = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (const d of [site, join(bench, `.site-${N}.cache`)]) await rm(d, { recursive: true, force: true });
  const run = await ours(site, []);
  siteRuns.push(run.seconds);
  peakMb = Math.max(peakMb, Number(/Peak memory: (\d+) MB/.exec(run.stdout)?.[1] ?? 0));
}
const siteRun = { seconds: median(siteRuns) };

log(`site rebuild, 1% of packages changed, ${ROUNDS} runs...`);
const rebuilds: number[] = [];
let rendered = '?', reused = '?';
for (let round = 0; round < ROUNDS; round++) {
  // hours ahead: never the same second as an mtime set by the incremental rounds above, so the
  // changed packages' pages really change (page data holds the file time in seconds)
  const later = new Date(Date.now() + 3_600_000 * (round + 1));
  for (const f of changed) await utimes(join(mirror, 'bench/Packages', f), later, later);
  const run = await ours(site, []);
  rebuilds.push(run.seconds);
  [, rendered = '?', reused = '?'] = /Package pages: (\d+) rendered, (\d+) unchanged/.exec(run.stdout) ?? [];
}
const siteIncr = { seconds: median(rebuilds) };

log('bundle and verify vs tar + sha256sum...');
const bundle = join(bench, `site-${N}.tar`);
const ourBundle = (await timed(process.execPath, [BIN, 'bundle', '--site', site, '--out', bundle])).seconds;
const ourVerify = (await timed(process.execPath, [BIN, 'verify', bundle])).seconds;
const tarS = (await timed('tar', ['-cf', join(bench, 'plain.tar'), '-C', site, '.'])).seconds;
const sumsS = (await timed('sh', ['-c', `find . -type f -print0 | sort -z | xargs -0 sha256sum > ${join(bench, 'plain.sums')}`], site)).seconds;
const checkS = (await timed('sha256sum', ['-c', '--quiet', join(bench, 'plain.sums')], site)).seconds;
const siteMb = (await stat(bundle)).size / 1e6;

const apt = await aptRow();
const aptPlan = await aptPlanRow();
const rows = [
  ['Full index, 1 thread each', `${r2(crFull1)} s`, `${r2(ourFull1)} s`, `${r2(crFull1 / ourFull1)}x createrepo_c's throughput`],
  [`Full index, ${W} threads each`, `${r2(crFull)} s`, `${r2(ourFull)} s`, `${r2(crFull / ourFull)}x createrepo_c's throughput`],
  [`Full index vs createrepo_c + rpmkeys digest check, ${W} threads each`, `${r2(crPlusKeys)} s`, `${r2(ourFull2)} s`, `${r2(ourFull2 / crPlusKeys)}x their time`],
  [`Full index, ${LARGE} packages of ${LARGE_MIB} MiB, ${W} threads each`, `${r2(crLarge)} s`, `${r2(ourLarge)} s`, `${r2(crLarge / ourLarge)}x createrepo_c's throughput`],
  [`The same vs two sha256 passes over those bytes on ${W} cores`, `${r2(shaLarge)} s (sha256sum twice)`, `${r2(ourLarge)} s`, `${r2(ourLarge / shaLarge)}x their time`],
  ['Incremental (1% changed)', `${r2(crIncr)} s`, `${r2(ourIncr)} s (${hits} of ${total} from cache)`, `${(100 * ourIncr / ourFull).toFixed(1)}% of our full index`],
  ['Site build (index + pages + search) vs createrepo_c\'s full index', `${r2(crFull)} s`, `${r2(siteRun.seconds)} s, peak RSS ${peakMb} MB (all processes)`,
    `${r2(siteRun.seconds / crFull)}x their time`],
  ['Site rebuild (1% changed)', '', `${r2(siteIncr.seconds)} s (${rendered} package pages rendered, ${reused} taken from the previous site)`, `${(100 * siteIncr.seconds / siteRun.seconds).toFixed(1)}% of the full site build`],
  ['Bundle (tar, manifest, sums)', `${r2(tarS + sumsS)} s (tar + sha256sum)`, `${r2(ourBundle)} s`, `${(siteMb / ourBundle).toFixed(0)} MB/s vs ${(siteMb / (tarS + sumsS)).toFixed(0)} MB/s`],
  [`Sync ${syncedOurs} packages from nginx on 127.0.0.1`, `${r2(dnfSync)} s (dnf reposync --download-metadata)`, `${r2(ourSync)} s`, `${(100 * ourSync / dnfSync).toFixed(0)}% of dnf reposync's wall time`],
  ['Verify bundle', `${r2(checkS)} s (sha256sum -c)`, `${r2(ourVerify)} s`, `${(siteMb / ourVerify).toFixed(0)} MB/s vs ${(siteMb / checkS).toFixed(0)} MB/s`],
  apt.row,
  aptPlan.row,
];
const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.versions.node}`;
const table = [
  `Benchmark: ${total} packages (${N} generated, profile ${profile}, + ${total - N} real), ${W} workers, ${machine}, ${new Date().toISOString().slice(0, 10)}. Index and sync rows: median of ${ROUNDS} alternating runs; site rows: median of ${ROUNDS} runs (peak: the highest); bundle and verify rows: one run.`,
  '',
  '| Task | createrepo_c / coreutils / apt-ftparchive | airgap-mirror | Ratio |',
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
  `Targets: full index ≤ 1.0x createrepo_c + rpmkeys: ${ourFull2 <= crPlusKeys ? 'met' : 'NOT met'}`
    + `; large packages ≤ 1.25x two sha256 passes: ${ourLarge <= 1.25 * shaLarge ? 'met' : 'NOT met'}`
    + `; site rebuild (1% changed) ≤ 15% of the full site build: ${siteIncr.seconds <= 0.15 * siteRun.seconds ? 'met' : 'NOT met'}`
    + (N >= 30000 && profile === 'realistic' ? `; 30k realistic site ≤ 4x createrepo_c: ${siteRun.seconds <= 4 * crFull ? 'met' : 'NOT met'}`
      + `, ≤ 3 GiB: ${peakMb <= 3072 ? 'met' : 'NOT met'}` : '')
    + `; incremental ≤ 5% of full: ${ourIncr / ourFull <= 0.05 ? 'met' : 'NOT met'}` +
    `; sync ≤ 50% of dnf reposync's wall time: ${ourSync <= dnfSync / 2 ? 'met' : 'NOT met'}` +
    `; apt index ≤ 1.0x apt-ftparchive: ${apt.met ? 'met' : 'NOT met'}` +
    `; apt plan ≤ 1.5x apt-get -s and < 1 GiB: ${aptPlan.met ? 'met' : 'NOT met'}` +
    (N === 10000 && profile === 'small' ? `; 10k site ≤ 180 s and ≤ 2 GiB: ${siteRun.seconds <= 180 && peakMb <= 2048 ? 'met' : 'NOT met'}` : '') + '.',
].join('\n');
process.stdout.write(`${table}\n`);

if (!values['no-readme']) {
  const readme = join(ROOT, 'README.md');
  const text = await readFile(readme, 'utf8');
  const key = profile === 'small' ? `${N}` : `${profile}-${N}`;
  const start = `<!-- bench:${key}:start -->`, end = `<!-- bench:${key}:end -->`;
  const block = `${start}\n${table}\n${end}`;
  const next = text.includes(start) ? text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block) : text.replace('<!-- bench:results -->', `<!-- bench:results -->\n\n${block}`);
  await writeFile(readme, next);
  await mkdir(bench, { recursive: true });
}
