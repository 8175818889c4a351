/**
 * Peak resident memory of this process and every process it started (Pagefind's indexer,
 * worker threads are in-process), sampled from /proc (Linux: `VmRSS` of each process whose
 * parent chain leads here, plus this process's own `VmHWM`). Elsewhere only this process's
 * peak (`process.resourceUsage().maxRSS`) is known.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Resident bytes of the process tree rooted at `root` now, or undefined without /proc. */
function treeRss(root: number): number | undefined {
  let names: string[];
  try { names = readdirSync('/proc'); } catch { return undefined; }
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const status = readFileSync(`/proc/${n}/status`, 'latin1');
      parent.set(Number(n), Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0));
      rss.set(Number(n), Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024);
    } catch { /* the process ended meanwhile */ }
  }
  let total = 0;
  for (const [pid, bytes] of rss) {
    for (let p: number | undefined = pid, hops = 0; p && hops < 64; p = parent.get(p), hops++) {
      if (p === root) { total += bytes; break; }
    }
  }
  return total;
}

/** Samples the tree every `intervalMs` until stop(); `peak()` gives bytes (this process's peak at least). */
export function watchTreeMemory(intervalMs = 250): { peak(): number; stop(): void } {
  let max = 0;
  const sample = () => { max = Math.max(max, treeRss(process.pid) ?? 0); };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    peak: () => { sample(); return Math.max(max, process.resourceUsage().maxRSS * 1024); },
    stop: () => clearInterval(timer),
  };
}
