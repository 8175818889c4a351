/**
 * Debian version order (scripts/formats/deb/version.ts) judged by `dpkg --compare-versions` on a
 * table with `~`, epochs, missing revisions, letters and punctuation, leading zeros and Ubuntu's
 * kernel and HWE versions.
 */
import { describe, expect, it } from 'vitest';
import { compareDebVersions, parseDebVersion } from '../../scripts/formats/deb/version.ts';
import { run } from '../helpers/run.ts';

const VERSIONS = [
  '1.0', '1.0-1', '1.0-0', '1.0~rc1', '1.0~rc1-1', '1.0~~', '1.0~', '1.0a', '1.0+b1', '1.0.1', '1.00', '01.0',
  '1:0.9', '2:0.1', '0:1.0', '1.0-1ubuntu1', '1.0-1ubuntu1.1', '1.0-1build1', '1.0-1~deb12u1',
  '5.15.0-91.101', '5.15.0-91.101~20.04.1', '5.15.0-100.110', '6.5.0-41.41~22.04.2', '6.5.0-41.41',
  '2.36-9+deb12u4', '2.36-9+deb12u10', '0.29.2-1', '0.29.2-1+b1', 'a', 'a.b', 'a-b-c', '1.2.3-4-5',
];

describe('Debian version order', () => {
  it('parses epoch, upstream and revision as dpkg does', () => {
    expect(parseDebVersion('1:2.3-4-5')).toEqual({ epoch: 1, upstream: '2.3-4', revision: '5' });
    expect(parseDebVersion('2.36')).toEqual({ epoch: 0, upstream: '2.36', revision: '' });
  });

  it('agrees with dpkg --compare-versions on every pair of the table', async () => {
    // one dpkg call per ordered pair: a = b exactly when neither is lower
    const lower = new Map<string, boolean>();
    for (const a of VERSIONS) {
      for (const b of VERSIONS) lower.set(`${a} ${b}`, (await run('dpkg', ['--compare-versions', a, 'lt', b])).code === 0);
    }
    const disagreements: string[] = [];
    for (const a of VERSIONS) {
      for (const b of VERSIONS) {
        const ours = Math.sign(compareDebVersions(a, b));
        const theirs = lower.get(`${a} ${b}`) ? -1 : lower.get(`${b} ${a}`) ? 1 : 0;
        if (ours !== theirs) disagreements.push(`${a} vs ${b}: ours ${ours}, dpkg ${theirs}`);
      }
    }
    expect(disagreements).toEqual([]);
  }, 300_000);
});
