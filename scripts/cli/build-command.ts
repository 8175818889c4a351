/**
 * `airgap-mirror build`: thin layer over buildSite with a progress bar on a TTY (files
 * read, MB hashed), one line per problem, a summary, and the exit code.
 */
import cliProgress from 'cli-progress';
import { buildSite, type BuildResult } from '../site/build-site.ts';
import { formatDiagnostic } from '../errors/catalogue.ts';
import { readBuildConfig, parseRepoOption } from '../scan/build-config.ts';
import type { RepoSpec } from '../scan/find-repos.ts';

/** Parsed options of the build command. */
export interface BuildCommandOptions { mirror: string; out: string; repo?: string[]; baseUrl?: string; config?: string; changelogLimit?: string }

/** Runs the build and returns the process exit code (0 clean, 2 inputs skipped, 1 nothing usable). */
export async function runBuild(opts: BuildCommandOptions): Promise<number> {
  const config = opts.config ? await readBuildConfig(opts.config) : { repos: [] as RepoSpec[] };
  const repos = opts.repo?.length ? opts.repo.map(parseRepoOption) : config.repos;
  const baseUrl = opts.baseUrl ?? config.baseUrl;
  const tty = process.stderr.isTTY;
  const bar = tty ? new cliProgress.SingleBar({ format: '{phase} [{bar}] {value}/{total} files | {mb} MB hashed', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
  let mb = 0;
  const result = await buildSite(
    { mirrorDir: opts.mirror, outDir: opts.out, repos, ...(baseUrl ? { baseUrl } : {}), ...(opts.changelogLimit ? { changelogLimit: Number(opts.changelogLimit) } : {}) },
    {
      phase: (name, total) => {
        if (!bar) return;
        if (name === 'read') bar.start(total ?? 0, 0, { phase: 'reading', mb: '0.0' });
        if (name === 'pages') { bar.stop(); process.stderr.write('rendering pages...\n'); }
      },
      file: () => bar?.increment(1, { mb: mb.toFixed(1) }),
      bytes: (n) => { mb += n / 1e6; },
      diagnostic: (d) => {
        if (bar) bar.stop();
        process.stderr.write(formatDiagnostic(d) + '\n');
      },
    },
  );
  bar?.stop();
  process.stdout.write(summary(result, opts.out));
  return result.exitCode;
}

/** The end-of-run summary printed on stdout. */
export function summary(r: BuildResult, out: string): string {
  const lines = [`Built ${out}: ${r.repos.length} repos, ${r.packages} packages, ${(r.bytesHashed / 1e6).toFixed(1)} MB hashed in ${r.seconds.toFixed(1)} s (${r.linked} hard-linked, ${r.copied} copied).`];
  for (const repo of r.repos) lines.push(`  ${repo.id.padEnd(40)} ${String(repo.packages).padStart(6)} packages  ${repo.path || '.'}/  [${repo.metadata.join(', ')}]`);
  const errors = r.diagnostics.filter((d) => d.level === 'error').length;
  const warnings = r.diagnostics.length - errors;
  lines.push(errors || warnings ? `${errors} inputs skipped, ${warnings} warnings (see the lines above).` : 'No problems found.');
  if (r.packages) lines.push(`Serve it with any static web server, e.g.: python3 -m http.server --directory ${out} 8080`);
  return lines.join('\n') + '\n';
}
