/**
 * Worker messages: small packages travel 32 to a message, and large ones alone or nearly, so
 * a handful of big packages (CUDA, kernel-devel) still spreads over every thread; order is kept.
 */
import { describe, expect, it } from 'vitest';
import { readBatches } from '../../scripts/scan/read-through-cache.ts';

const reads = (sizes: number[]) => sizes.map((size, i) => ({ i, st: { size } }));
const shape = (sizes: number[]) => readBatches(reads(sizes)).map((b) => b.length);

describe('readBatches', () => {
  it('puts up to 32 small packages in a message', () => {
    expect(shape(Array(100).fill(10_000))).toEqual([32, 32, 32, 4]);
  });

  it('sends large packages one per message, so 16 of them reach two threads evenly', () => {
    expect(shape(Array(16).fill(64 << 20))).toEqual(Array(16).fill(1));
  });

  it('closes a message once it holds 8 MiB, and keeps the order', () => {
    const sizes = [1 << 20, 3 << 20, 5 << 20, 1000, 1000, 9 << 20, 1000];
    expect(shape(sizes)).toEqual([3, 3, 1]); // 1+3+5 MiB; 1000+1000+9 MiB; the rest
    expect(readBatches(reads(sizes)).flat().map((r) => r.i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('sends nothing for no reads', () => {
    expect(readBatches([])).toEqual([]);
  });
});
