/** Runs the airgap-mirror CLI as a user would (a child process on the project's Node). */
import { fileURLToPath } from 'node:url';
import { run, type RunResult } from './run.ts';

/** Project root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The bundled sample mirror. */
export const SAMPLE_MIRROR = `${ROOT}sample-mirror`;
/** The committed third-party RPMs. */
export const REAL_RPMS = `${ROOT}tests/fixtures/real-rpms`;
/** The CLI entry point. */
export const BIN = `${ROOT}scripts/bin/airgap-mirror.mjs`;

/**
 * `airgap-mirror ...args`, with the current Node (the project's pinned one under npm).
 * `withoutDacOverride`: when running as root, drop the capabilities that let root read any
 * file (setpriv, util-linux), so file permissions apply as they would to a normal user.
 * `env`: variables added to the environment.
 */
export function cli(args: string[], opts: { withoutDacOverride?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const env = { ...process.env, ...opts.env };
  if (opts.withoutDacOverride && process.getuid?.() === 0) {
    return run('setpriv', ['--bounding-set=-dac_override,-dac_read_search', process.execPath, BIN, ...args], { cwd: ROOT, env });
  }
  return run(process.execPath, [BIN, ...args], { cwd: ROOT, env });
}
