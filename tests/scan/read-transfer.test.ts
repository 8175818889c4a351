/**
 * Records read in a reader thread come back as JSON text and are parsed on the main thread
 * (read-task.ts, TransferOutcome). The parsed record must equal, field for field, the one
 * read in-process, for every real and sample RPM, signed ones verified against their key,
 * and failures must come back unchanged.
 */
import { describe, expect, it } from 'vitest';
import fg from 'fast-glob';
import { dirname } from 'node:path';
import runReadTasks, { fromTransfer, runReadTasksForTransfer, type ReadTask } from '../../scripts/scan/read-task.ts';
import { REAL_RPMS, ROOT, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { createPackageReader } from '../../scripts/scan/reader-pool.ts';

const files = [...fg.sync(`${REAL_RPMS}/*.rpm`), ...fg.sync(`${SAMPLE_MIRROR}/**/*.rpm`)].sort();
const keyDir = `${SAMPLE_MIRROR}/cuda-rhel9-aarch64`;

const tasks: ReadTask[] = [
  ...files.map((file) => ({ file, href: file.slice(dirname(file).length + 1), changelogLimit: 5 })),
  // the same signed packages verified against their mirrored key: signature verdicts travel too
  ...fg.sync(`${keyDir}/*.rpm`).sort().map((file) => ({ file, href: file.slice(keyDir.length + 1), keys: { dir: keyDir, files: ['4AC94EA0.pub'] } })),
  // failures: not an RPM, missing file
  { file: `${ROOT}package.json`, href: 'package.json' },
  { file: `${ROOT}no-such.rpm`, href: 'no-such.rpm' },
];

describe('records sent from a reader thread', () => {
  it('parse back to exactly the in-process record, and failures are unchanged', async () => {
    expect(files.length).toBeGreaterThan(30);
    const direct = await runReadTasks(tasks);
    const sent = await runReadTasksForTransfer(tasks);
    // what crosses the thread boundary is only strings and numbers, no object graph
    for (const o of sent) if (o.ok) expect(typeof o.recordJson).toBe('string');
    const received = sent.map(fromTransfer);
    expect(received.filter((o) => !o.ok)).toHaveLength(2);
    for (const [i, o] of received.entries()) {
      const d = direct[i]!;
      if (!o.ok || !d.ok) {
        expect(o, tasks[i]!.href).toStrictEqual(d);
        continue;
      }
      expect(o.record, tasks[i]!.href).toStrictEqual(d.record);
      expect(o.recordJson).toBe(JSON.stringify(d.record));
    }
    // the verified ones really carry verdicts, so the comparison above covered them
    const verified = received.slice(files.length, -2);
    expect(verified.length).toBeGreaterThan(0);
    for (const o of verified) expect(o.ok && o.record.signatures.some((s) => s.verdict === 'good')).toBe(true);
  });
});

describe('the reader pool', () => {
  it('started early, counts its threads only once they read, and reads like the main thread', async () => {
    const reader = createPackageReader(2);
    try {
      reader.start(); // booting threads that have not read yet do not count
      expect(reader.threadsUsed()).toBe(0);
      const [a, b] = await Promise.all([reader.read(tasks.slice(0, 20)), reader.read(tasks.slice(20))]);
      expect(reader.threadsUsed()).toBe(2);
      // outcomes from threads also carry the record's JSON (for the cache); the rest is equal
      const pooled = [...a!, ...b!].map((x) => { if (x.ok) delete x.recordJson; return x; });
      expect(pooled).toStrictEqual(await runReadTasks(tasks));
    } finally {
      await reader.close();
    }
  });
});
