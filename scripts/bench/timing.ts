/**
 * Timing helpers of the benchmarks: a command's wall seconds, and paired runs (the peer and ours
 * alternating, medians kept), since single timings on this kind of machine vary by up to 30%.
 */
import { spawn } from 'node:child_process';

/**
 * Runs `cmd` in `cwd`; resolves to wall seconds and stdout; rejects with its stderr when it fails
 * (our CLI's exit 2, warnings, counts as success).
 */
export async function timed(cmd: string, args: string[], cwd: string): Promise<{ seconds: number; stdout: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => (code === 0 || (cmd === process.execPath && code === 2)
      ? resolve({ seconds: (performance.now() - started) / 1000, stdout })
      : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

/** Runs per paired row: the peer and ours alternate this many times. */
export const ROUNDS = 3;

/** The median of `xs` (the upper one of an even count). */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `peer` and `ours` alternately ROUNDS times (each given the round); their median seconds. */
export async function paired(peer: (round: number) => Promise<number>, ours: (round: number) => Promise<number>):
  Promise<[number, number]> {
  const a: number[] = [], b: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    a.push(await peer(round));
    b.push(await ours(round));
  }
  return [median(a), median(b)];
}
