/**
 * V8 young-generation sizing for the indexing phase of a build.
 *
 * Indexing allocates package records that nearly all survive. V8 answers a high survival
 * rate by growing the young generation (to 64 MiB of new space with Node 24 here), and on the
 * 2-core bench machine that only made each scavenge walk memory no longer in the CPU
 * caches. Holding the growth factor at 1 (the semi-spaces keep their start-up size) made a
 * 10,000-package index 11% faster on one thread and 17% on two, an incremental run 20%
 * faster, and peak memory 220 MB instead of 340 MB (4 interleaved runs each, `npm run
 * bench` corpus). Rendering pages is the opposite case (short-lived garbage, where
 * `--max-semi-space-size=1` made a 10k site build 25% slower), so the default is restored
 * before Astro runs.
 *
 * `--semi-space-growth-factor` is read by V8 at each growth decision, so it can be changed
 * at run time with v8.setFlagsFromString; Node warns that flag changes after start-up are
 * unsupported in general, hence one flag, restored to V8's default (2) afterwards, and left
 * alone when the user sized the young generation through NODE_OPTIONS or node's arguments.
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default `--semi-space-growth-factor` (`node --v8-options`, Node 20 to 24). */
const DEFAULT_GROWTH_FACTOR = 2;
const USER_SIZED = /--(semi-space-growth-factor|max-semi-space-size|min-semi-space-size)\b/;

/**
 * Stops the young generation from growing until the returned function is called (which
 * restores V8's default; calling it again does nothing). A no-op when the process was
 * started with its own young-generation flags.
 */
export function holdYoungGeneration(): () => void {
  if (USER_SIZED.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`)) return () => {};
  setFlagsFromString('--semi-space-growth-factor=1');
  let held = true;
  return () => {
    if (held) setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`);
    held = false;
  };
}
