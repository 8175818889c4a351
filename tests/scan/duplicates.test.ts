/**
 * Two files with one NEVRA in a repo (issue 16): the one a user would want is kept, with the
 * reason named — a signature that verifies against the mirrored key beats an unsigned copy
 * (made with rpmsign --delsign), whichever is listed first; dnf then serves the signed one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { dnf } from '../helpers/dnf.ts';
import { run, type RunResult } from '../helpers/run.ts';

const PKG = 'cuda-toolkit-config-common-12.4.127-1.noarch.rpm';
let base: string, site: string, result: RunResult;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-dups-'));
  const repo = join(base, 'mirror/cuda');
  await mkdir(repo, { recursive: true });
  await copyFile(join(SAMPLE_MIRROR, 'cuda-rhel9-aarch64/4AC94EA0.pub'), join(repo, '4AC94EA0.pub'));
  await copyFile(join(SAMPLE_MIRROR, 'cuda-rhel9-aarch64', PKG), join(repo, PKG));
  await copyFile(join(SAMPLE_MIRROR, 'cuda-rhel9-aarch64', PKG), join(repo, 'aaa-unsigned.rpm')); // listed first
  const del = await run('rpmsign', ['--delsign', join(repo, 'aaa-unsigned.rpm')]);
  expect(del.code, del.stderr).toBe(0);
  site = join(base, 'site');
  result = await cli(['build', '--mirror', join(base, 'mirror'), '--out', site, '--repodata-only']);
});
afterAll(async () => { await rm(base, { recursive: true, force: true }); });

describe('duplicate NEVRAs', () => {
  it('keeps the signed copy over an unsigned one listed first, naming why', async () => {
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: cuda/aaa-unsigned.rpm: duplicate NEVRA cuda-toolkit-config-common-12.4.127-1.noarch: '
      + `cuda/${PKG} is kept (its signature verifies); skipped [duplicate-nevra]`);
    const q = await dnf({ c: join(site, 'cuda') }, ['repoquery', '--location']);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout.trim()).toMatch(new RegExp(`/${PKG.replace(/\./g, '\\.')}$`));
  });
});
