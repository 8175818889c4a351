/**
 * Waiting on events instead of fixed sleeps: a condition is checked once, then again on every
 * change fs.watch reports under a directory, until it holds or one generous overall
 * timeout passes (then the test fails naming what it waited for).
 */
import { watch } from 'node:fs';
import { mkdir } from 'node:fs/promises';

/** Default overall timeout in milliseconds: generous, as CI machines are loaded. */
const TIMEOUT_MS = 60_000;

/**
 * Resolves once `check()` is true, checking it at the start and on each change under the
 * directory `watched` (created if missing; its whole tree with `recursive`). Rejects after
 * `timeoutMs` naming `what`, or with the error `check()` threw.
 */
export async function waitFor(what: string, watched: string, check: () => Promise<boolean> | boolean,
  o: { recursive?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = o.timeoutMs ?? TIMEOUT_MS;
  await mkdir(watched, { recursive: true });
  if (await check()) return;
  await new Promise<void>((resolve, reject) => {
    let busy = false, again = false, done = false;
    const finish = (err?: Error) => {
      done = true;
      watcher.close();
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const recheck = async () => {
      if (done) return;
      if (busy) { again = true; return; }
      busy = true;
      try {
        do {
          again = false;
          if (await check()) return finish();
        } while (again);
      } catch (err) {
        finish(err as Error);
      } finally {
        busy = false;
      }
    };
    const watcher = watch(watched, { recursive: !!o.recursive }, () => void recheck());
    watcher.on('error', () => void recheck()); // a directory under it removed meanwhile: look again
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`)), timeoutMs);
    void recheck(); // a change between the first check and the watch
  });
}
