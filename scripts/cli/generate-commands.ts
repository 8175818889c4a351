/**
 * Generator and check commands: .repo files, the repo-config ConfigMap, operator CRs,
 * driver image tags, IDMS/ITMS and their coverage, repo lint, DTK preflight. Each is a thin
 * layer over the library functions the site's runbooks use, printing to stdout; problems go
 * to stderr and exit 2, bad input exits 1. Each command loads its modules when it runs, so
 * one command does not pay for the others' start-up.
 */
import { PROFILE_NAMES } from '../closure/profiles.ts';
import type { Command } from 'commander';
import { lstat, readFile, writeFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ExitCode, UsageError } from '../errors/exit-codes.ts';
import type { RepoFile } from '../generators/repo-sets.ts';

const out = (s: string): void => { process.stdout.write(s.endsWith('\n') ? s : `${s}\n`); };
const settingsFrom = async (config?: string) => {
  const [{ readBuildConfig }, { resolveSettings }] = await Promise.all([import('../scan/build-config.ts'), import('../generators/settings.ts')]);
  return config ? (await readBuildConfig(config)).settings : resolveSettings(undefined);
};
const tags = () => import('../generators/driver-tags.ts');
const readInput = async (file: string) => (file === '-' ? await new Promise<string>((res) => { let t = ''; process.stdin.on('data', (d) => (t += d)).on('end', () => res(t)); }) : readFile(file, 'utf8'));

async function siteRepoFiles(site: string, baseUrl?: string) {
  const [{ readSiteManifest }, { repoFiles }] = await Promise.all([import('../site/site-manifest.ts'), import('../generators/repo-sets.ts')]);
  const m = await readSiteManifest(site);
  const files = repoFiles(m.repos, baseUrl ?? m.baseUrl);
  for (const f of files) for (const w of f.warnings) process.stderr.write(`warning: ${f.fileName}: ${w}\n`);
  return files;
}

/**
 * The apt sources of a built site for Ubuntu pools: `airgap-mirror.sources` (Signed-By the site
 * key, read from the site) and `airgap-mirror.list`, as build writes them under _site/repo-files/.
 * Throws UsageError when the site has no apt repos, or is signed but its public key is missing.
 */
async function siteAptFiles(site: string, baseUrl?: string): Promise<RepoFile[]> {
  const [{ readSiteManifest }, apt, { SITE_KEY_PATH }, { APT_LIST_PATH, APT_SOURCES_PATH }] = await Promise.all([
    import('../site/site-manifest.ts'), import('../generators/apt-sources.ts'), import('../site/index-repo.ts'),
    import('../catalog/page-paths.ts')]);
  const m = await readSiteManifest(site);
  if (!m.aptRepos?.length) {
    throw new UsageError(`${site} has no apt repos: --os ubuntu needs a site built from a mirror with .deb files`);
  }
  const keyFile = join(site, SITE_KEY_PATH);
  const key = m.signed ? await readFile(keyFile, 'utf8').catch(() => {
    throw new UsageError(`${keyFile} is missing: the site was signed, so its apt sources need the key; `
      + 'build the site again');
  }) : undefined;
  const url = baseUrl ?? m.baseUrl;
  const warnings = key ? [] : ['the site was built with --no-sign: apt will refuse it without a Signed-By key'];
  return [{ fileName: basename(APT_SOURCES_PATH), text: apt.aptSources(m.aptRepos, url, key), warnings },
    { fileName: basename(APT_LIST_PATH), text: apt.aptList(m.aptRepos, url, !!key), warnings: [] }];
}

/** The client files of a site for node OS `os` (`rhel`: .repo files; `ubuntu`: apt sources); throws UsageError for another. */
async function clientFiles(site: string, os: string, baseUrl?: string): Promise<RepoFile[]> {
  if (os === 'rhel') return siteRepoFiles(site, baseUrl);
  if (os !== 'ubuntu') throw new UsageError(`--os ${os}: expected rhel or ubuntu`);
  const files = await siteAptFiles(site, baseUrl);
  for (const f of files) for (const w of f.warnings) process.stderr.write(`warning: ${f.fileName}: ${w}\n`);
  return files;
}

/** The text of a `.repo` file to lint, or why it is not one (missing, not a regular file, binary, no section, over 1 MiB). */
async function readRepoText(file: string): Promise<string | { error: string }> {
  const s = await lstat(file).catch((e: NodeJS.ErrnoException) => e.code ?? String(e));
  if (typeof s === 'string') return { error: `cannot read it (${s})` };
  if (!s.isFile() && !s.isSymbolicLink()) return { error: 'not a regular file: give a .repo file' };
  if (s.size > 1 << 20) return { error: `${s.size} bytes: not a .repo file (over 1 MiB)` };
  const data = await readFile(file).catch((e: NodeJS.ErrnoException) => e.code ?? String(e));
  if (typeof data === 'string') return { error: `cannot read it (${data})` };
  if (data.includes(0)) return { error: 'binary data: not a .repo file' };
  const text = data.toString('utf8');
  return /^\s*\[[^\]]+\]\s*$/m.test(text) ? text : { error: 'no [section] header: not a .repo file' };
}

/** Adds the generator commands to the program. */
export function addGenerateCommands(program: Command): void {
  program.command('repo-files')
    .description('print (or write) ubi.repo, cuda.repo, redhat.repo... for a built site; with --os ubuntu, its apt sources')
    .requiredOption('--site <dir>', 'built site').option('--base-url <url>', 'URL the site is served at (default: the one it was built with)')
    .option('--out-dir <dir>', 'write one file per repo set here instead of printing')
    .option('--os <rhel|ubuntu>', 'node OS: .repo files (rhel), or airgap-mirror.sources and the .list form for Ubuntu 20.04 (ubuntu; use one)', 'rhel')
    .action(async (o) => {
      const files = await clientFiles(o.site, o.os, o.baseUrl);
      if (o.outDir) {
        await mkdir(o.outDir, { recursive: true });
        for (const f of files) await writeFile(join(o.outDir, f.fileName), f.text);
        out(files.map((f) => join(o.outDir, f.fileName)).join('\n'));
      } else out(files.map((f) => `# ${f.fileName}\n${f.text}`).join('\n'));
    });

  program.command('repo-config')
    .description('the Network Operator repo-config ConfigMap for a built site, as a manifest or an oc command')
    .requiredOption('--site <dir>', 'built site').option('--base-url <url>', 'URL the site is served at')
    .option('--namespace <ns>', 'namespace', 'nvidia-network-operator').option('--name <name>', 'ConfigMap name', 'repo-config')
    .option('--format <yaml|command>', 'manifest YAML or the oc create command', 'yaml')
    .option('--os <rhel|ubuntu>', 'node OS of the pool: .repo files (rhel) or the apt .sources (ubuntu)', 'rhel')
    .action(async (o) => {
      // an Ubuntu pool's ConfigMap holds the deb822 .sources alone (the .list form would repeat it)
      const files = (await clientFiles(o.site, o.os, o.baseUrl)).filter((f) => o.os !== 'ubuntu' || f.fileName.endsWith('.sources'));
      const { repoConfigCommand, repoConfigManifest } = await import('../generators/repo-config.ts');
      out(o.format === 'command' ? repoConfigCommand(files, o) : repoConfigManifest(files, o));
    });

  const tag = program.command('driver-tag').description('precompiled/mirrored driver image tags');
  tag.command('gpu').description('GPU Operator precompiled driver tag: ${DRIVER_VERSION}-${KERNEL_VERSION}-${OS_TAG}')
    .requiredOption('--driver-version <v>').requiredOption('--kernel-version <k>', 'e.g. 5.14.0-284.54.1.el9_2.aarch64+64k').requiredOption('--openshift-version <v>')
    .option('--repository <r>').option('--image <i>', 'image name', 'nvidia-gpu-driver')
    .action(async (o) => { const t = (await tags()).gpuDriverTag(o); out(o.repository ? `${o.repository}/${o.image}:${t}` : t); });
  tag.command('doca').description('DOCA driver image tag for DTK builds: <driver-version>-rhcos<ocp>-<arch>')
    .requiredOption('--driver-version <v>').requiredOption('--openshift-version <v>').requiredOption('--arch <a>')
    .action(async (o) => out((await tags()).docaDriverTag(o)));
  tag.command('doca-mirror').description('mirror tag for an NGC DOCA driver tag')
    .requiredOption('--upstream-tag <t>').action(async (o) => out((await tags()).docaMirrorTag(o.upstreamTag)));
  tag.command('doca-precompiled').description('precompiled DOCA driver tag the Network Operator looks for')
    .requiredOption('--doca-version <v>', 'e.g. 25.07-0.9.7.0-0').requiredOption('--kernel <k>').requiredOption('--os <os>').requiredOption('--os-version <v>').requiredOption('--arch <a>')
    .action(async (o) => out((await tags()).docaPrecompiledTag({ ...o, version: o.docaVersion })));

  program.command('crs')
    .description('NicClusterPolicy, NVIDIADriver and ClusterPolicy from the settings in a config file')
    .option('--config <file>', 'YAML config with a settings block')
    .action(async (o) => {
      const s = await settingsFrom(o.config);
      const { clusterPolicy, nicClusterPolicy, nvidiaDriver } = await import('../generators/operator-crs.ts');
      out([nicClusterPolicy(s), nvidiaDriver(s), clusterPolicy()].join('---\n'));
    });

  program.command('mirror-sets')
    .description('ImageDigestMirrorSet and ImageTagMirrorSet from settings.imageMirrors')
    .requiredOption('--config <file>')
    .action(async (o) => { const m = (await import('../generators/mirror-sets.ts')).mirrorSets((await settingsFrom(o.config)).imageMirrors); out([m.idms, m.itms].filter(Boolean).join('---\n')); });

  program.command('mirror-coverage')
    .description('which pod images are not covered by settings.imageMirrors (input: one image per line, - for stdin)')
    .requiredOption('--config <file>').requiredOption('--images <file>')
    .action(async (o) => {
      const { checkCoverage } = await import('../generators/mirror-sets.ts');
      const report = checkCoverage((await readInput(o.images)).split('\n'), (await settingsFrom(o.config)).imageMirrors);
      for (const c of report) out(c.covered ? `covered    ${c.image}  (by ${c.source})` : `UNCOVERED  ${c.image}: ${c.reason}`);
      const bad = report.filter((c) => !c.covered).length;
      out(`${report.length} images, ${bad} not covered`);
      process.exitCode = bad ? ExitCode.PARTIAL : ExitCode.OK;
    });

  program.command('repo-lint')
    .description('check .repo files against a built site (repodata at each baseurl, gpgkey exists, unique ids and baseurls)')
    .argument('<files...>').requiredOption('--site <dir>').option('--base-url <url>', 'URL the site is served at (default: the one it was built with)')
    .action(async (files: string[], o) => {
      const [{ readSiteManifest }, { lintRepoFile }] = await Promise.all([import('../site/site-manifest.ts'), import('../generators/repo-lint.ts')]);
      const base = o.baseUrl ?? (await readSiteManifest(o.site)).baseUrl;
      let errors = 0;
      for (const f of files) {
        const text = await readRepoText(f);
        if (typeof text !== 'string') {
          errors++;
          process.stderr.write(`error: ${f}: ${text.error}\n`);
          continue;
        }
        for (const x of await lintRepoFile(text, o.site, base)) {
          if (x.level === 'error') errors++;
          process.stderr.write(`${x.level}: ${f}: [${x.section}] ${x.message}\n`);
        }
      }
      out(`${files.length} files checked, ${errors} errors`);
      process.exitCode = errors ? ExitCode.PARTIAL : ExitCode.OK;
    });

  program.command('preflight')
    .description('driver-build preflight: the profiles\' packages for each kernel (pinned), their dependency closure')
    .requiredOption('--mirror <dir>').option('--kernel-version <k>', 'repeatable; default: the --nodes pools, else every kernel in the mirror', (v: string, p: string[] = []) => [...p, v])
    .option('--repo <path[=id]>', 'repos to use (repeatable); default: all', (v: string, p: string[] = []) => [...p, v])
    .option('--profile <name>', `consumer profile (repeatable): ${PROFILE_NAMES.join(', ')}; default: sync.closure of --config, else doca-driver`, (v: string, p: string[] = []) => [...p, v])
    .option('--config <file>', 'config file whose sync.closure (profiles, packages, weakDeps, newest) is checked')
    .option('--nodes <file>', 'node list (oc get nodes -o json): check each node pool\'s kernel')
    .action(async (o) => {
      const { readBuildConfig, parseRepoOption } = await import('../scan/build-config.ts');
      const config = o.config ? await readBuildConfig(o.config) : undefined;
      const closure = config?.sync?.closure;
      const unknown = (o.profile ?? []).filter((p: string) => !PROFILE_NAMES.includes(p));
      if (unknown.length) throw new UsageError(`--profile ${unknown.join(', ')}: unknown (profiles: ${PROFILE_NAMES.join(', ')})`);
      const request = o.profile?.length ? { profiles: o.profile, packages: closure?.packages ?? [] } : closure;
      const np = await import('../cluster/node-pools.ts');
      const pools = o.nodes ? await np.readNodePools(o.nodes, config?.settings.openshiftVersion ?? '4.18') : undefined;
      process.exitCode = await (await import('./preflight-command.ts')).runPreflight(o.mirror, o.kernelVersion ?? [],
        (o.repo ?? []).map(parseRepoOption), { ...(request ? { request } : {}), ...(pools ? { pools } : {}) });
    });
}
