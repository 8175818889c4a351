/** airgap-mirror command line: a thin layer over the library (commander for parsing). */
import { Command, Option } from 'commander';
import { addGenerateCommands } from './generate-commands.ts';
import { addBundleCommands } from './bundle-commands.ts';
import { addImagesCommands } from './images-commands.ts';
import { addKeyCommands } from './key-commands.ts';
import { TagInputError } from '../generators/driver-tags.ts';
import { KernelVersionError } from '../cluster/kernel-version.ts';
import { OutsideRootError } from '../inside-root.ts';
import { ExitCode, UsageError } from '../errors/exit-codes.ts';
import { TOOL_VERSION } from '../tool-version.ts';

/** Environment variable that adds the stack trace to an unexpected error's line. */
const DEBUG_ENV = 'AIRGAP_MIRROR_DEBUG';

const collect = (v: string, prev: string[] = []) => [...prev, v];

const program = new Command('airgap-mirror')
  .description('Turn a mirrored RPM tree into one static site: dnf baseurls, a catalog and runbooks for air-gapped clusters.')
  .version(TOOL_VERSION)
  .showHelpAfterError('(airgap-mirror help <command> lists its options)');

program.command('build')
  .description('index every repo of a mirror tree and write the site (repodata, hard-linked RPMs, pages)')
  .requiredOption('--mirror <dir>', 'mirror tree to index (read only)')
  .requiredOption('--out <dir>', 'site output directory (replaced atomically)')
  .option('--repo <path[=id]>', 'index only this repo (repeatable); default: discover repos', (v: string, prev: string[] = []) => [...prev, v])
  .option('--base-url <url>', 'absolute URL the site is served at, for .repo snippets')
  .option('--config <file>', 'YAML config file (baseUrl, repos)')
  .addOption(new Option('--changelog-limit <n>', 'newest changelog entries kept per package').default('10'))
  .option('--no-verify-signatures', 'do not verify package signatures against the mirrored keys (digests are always checked)')
  .option('--workers <n>', 'threads reading packages (default: one per core, used for a repo with 256 MiB or more to read; with N, also for 200 packages or more)')
  .addOption(new Option('--repodata <policy>', "a repo's own repodata/: regenerate it, reuse it when it describes exactly the files on disk (auto), or always reuse it (keep)").choices(['regenerate', 'auto', 'keep']).default('regenerate'))
  .option('--repodata-only', 'write only packages and repodata (no pages, no search index)')
  .option('--no-cache', 'ignore and do not write the incremental cache beside --out')
  .option('--nodes <file>', 'node list (oc get nodes -o json): node pools and their driver images on the cluster page')
  .option('--images-check <file>', 'registry verdicts from images check --json, shown on the cluster page')
  .option('--keep-corrupt', 'keep packages that fail a digest or signature check in the repodata, flagged in the catalog')
  .option('--allow-shrink', 'replace the live site even when the new one has fewer than half its packages')
  .option('--signing-key <file>', 'sign every repomd.xml with this armored private key (default: the site key beside --out)')
  .option('--passphrase-file <file>', `passphrase of the signing key (else ${'$'}AIRGAP_MIRROR_KEY_PASSPHRASE)`)
  .option('--no-sign', 'write repomd.xml unsigned; .repo files then say repo_gpgcheck=0')
  .option('--log <file>', 'write every problem line and the summary to this file (the terminal shows the first 5 warnings of each kind)')
  .addHelpText('after', '\nExit codes: 0 everything used, 2 site built but some inputs skipped, 1 nothing usable produced'
    + ' (the live site is then left as it was).')
  .action(async (opts) => {
    // Ctrl-C and TERM end the build through exit(), so its scratch directories are removed (build-site.ts)
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        process.stderr.write(`\nairgap-mirror: interrupted (${sig}); the previous site is left as it was\n`);
        process.exit(sig === 'SIGINT' ? 130 : 143);
      });
    }
    // with --workers N (N > 1) the reader threads boot while the build's modules load; closed unused when
    // nothing is large enough to be read on them
    const reader = Number(opts.workers) > 1 ? (await import('../scan/reader-pool.ts')).buildReader(Number(opts.workers))
      : undefined;
    reader?.start();
    try {
      process.exitCode = await (await import('./build-command.ts')).runBuild(opts, reader);
    } finally {
      await reader?.close();
    }
  });

program.command('sync')
  .description('fetch upstream repos into the mirror tree: verified, resumable, incremental (sync: block of --config)')
  .requiredOption('--mirror <dir>', 'mirror tree to write (only the configured repo paths are touched)')
  .option('--config <file>', 'YAML config file with a sync: block (repos, jobs, timeout, retries)')
  .option('--repo-file <file>', 'take the repos of a .repo file as well (repeatable)', collect)
  .option('--sources-file <file>', 'take the deb entries of an apt .list or .sources file too (repeatable)', collect)
  .option('--var <name=value>', 'value of a .repo variable such as basearch or releasever (repeatable)', collect)
  .option('--dry-run', 'print the plan (packages and bytes to fetch, present, to delete, free disk); write nothing')
  .option('--jobs <n>', 'downloads in flight (default 8, or sync.jobs)')
  .option('--timeout <seconds>', 'seconds without data before a request is retried (default 30, or sync.timeout)')
  .option('--delete', 'remove local packages that are no longer selected (listed first; only inside the repo paths)')
  .option('--force', 'start even when the plan does not fit in the free disk space')
  .option('--lock <file>', 'write the plan as a lockfile (repo, location, URL, size, checksum, NEVRA)')
  .option('--from-lock <file>', 'fetch exactly the packages of a lockfile')
  .option('--nodes <file>', 'node list (oc get nodes -o json): the node pools whose kernels the closure pins (sync.closure)')
  .option('--log <file>', 'write every problem line and the summary to this file')
  .addHelpText('after', '\nExit codes: 0 everything fetched and verified, 2 some files failed (named above), 1 nothing started.')
  .action(async (opts) => {
    process.exitCode = await (await import('./sync-command.ts')).runSyncCommand(opts);
  });

addGenerateCommands(program);
addBundleCommands(program);
addImagesCommands(program);
addKeyCommands(program);

try {
  await program.parseAsync();
} catch (err) {
  // one line, never a stack trace: known refusals as they are, anything else named as unexpected
  const known = err instanceof UsageError || err instanceof TagInputError || err instanceof KernelVersionError
    || err instanceof OutsideRootError;
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(known ? `airgap-mirror: ${message}\n` : `airgap-mirror: unexpected error: ${message} `
    + `(please report it; ${DEBUG_ENV}=1 shows where it happened)\n`);
  if (!known && process.env[DEBUG_ENV] && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exitCode = ExitCode.FAILED;
}
