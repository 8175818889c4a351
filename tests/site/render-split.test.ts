/**
 * Package pages shared between two render processes (scripts/site/render-split.ts), or all
 * rendered by a child while the search index is written: the site is byte for byte the one a
 * single process renders, and a child that fails on a page fails the render with its message
 * instead of leaving its pages out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ROOT, SAMPLE_MIRROR } from '../helpers/cli.ts';
import { run } from '../helpers/run.ts';
import { fileHashes } from '../helpers/tree-hash.ts';

let base: string;
let key: string[];
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'airgap-split-'));
  expect((await cli(['key', 'create', '--out', join(base, 'key')])).code).toBe(0);
  key = ['--signing-key', join(base, 'key/site-key.asc')]; // one key: the sites compared must be byte-identical
});
afterAll(async () => { await rm(base, { recursive: true, force: true }); });

describe('two render processes', () => {
  it('render the same site as one', async () => {
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const one = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', join(base, 'one'), '--no-cache', ...key], { env });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).not.toContain('processes');
    const two = await cli(['build', '--mirror', SAMPLE_MIRROR, '--out', join(base, 'two'), '--no-cache', ...key],
      { env: { ...env, AIRGAP_MIRROR_RENDER_SPLIT_FROM: '1' } });
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toContain('Package pages: 24 rendered, 0 unchanged and taken from the previous site; rendered in 2 processes.');
    const [a, b] = [await fileHashes(join(base, 'one')), await fileHashes(join(base, 'two'))];
    expect([...a.keys()].filter((f) => f.startsWith('_site/p/')).length).toBe(24);
    expect(b).toEqual(a);
    // a rebuild of a site that big with fewer pages to render: a child renders them all while
    // this process writes the package search index
    const big = { ...env, AIRGAP_MIRROR_RENDER_SPLIT_FROM: '24' };
    const three = () => cli(['build', '--mirror', SAMPLE_MIRROR, '--out', join(base, 'three'), ...key], { env: big });
    expect((await three()).stdout).toContain('rendered in 2 processes.');
    const again = await three();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Package pages: 0 rendered, 24 unchanged and taken from the previous site; '
      + 'rendered in a child process while the search index was written.');
    expect(await fileHashes(join(base, 'three'))).toEqual(a);
  });

  it('fail when the child fails on a page', async () => {
    // two package pages: this process renders the first, the child the second, whose data is cut short
    const catalogDir = join(base, 'catalog');
    await mkdir(join(catalogDir, 'packages'), { recursive: true });
    const data = JSON.stringify({ repoId: 'r', repoName: 'r', repoPath: 'r', name: 'a', versions: [] });
    const file = join(catalogDir, 'packages', 'pages.jsonl');
    await writeFile(file, `${data}\n`);
    const entry = (name: string, length: number) => ({ id: `r/${name}`, repoId: 'r', name, page: `_site/p/r/${name}/`,
      file, offset: 0, length });
    const script = `
      import { EMPTY_CATALOG as catalog } from ${JSON.stringify(join(ROOT, 'scripts/catalog/catalog-loader.ts'))};
      import { writeCatalog } from ${JSON.stringify(join(ROOT, 'scripts/catalog/catalog-data.ts'))};
      import { FilePlacer } from ${JSON.stringify(join(ROOT, 'scripts/site/link-packages.ts'))};
      import { renderSite } from ${JSON.stringify(join(ROOT, 'scripts/site/render-split.ts'))};
      await writeCatalog(${JSON.stringify(join(catalogDir, 'catalog.json'))}, catalog);
      const entries = ${JSON.stringify([entry('a', data.length), entry('b', data.length + 100)])};
      await renderSite({ catalogDir: ${JSON.stringify(catalogDir)}, catalog, entries, sitePages: entries.length,
        meanwhile: () => {}, work: ${JSON.stringify(join(base, 'work'))}, placer: new FilePlacer() });
    `;
    const r = await run(process.execPath, ['--input-type=module', '-e', script],
      { cwd: ROOT, env: { ...process.env, AIRGAP_MIRROR_RENDER_SPLIT_FROM: '1' } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/the page renderer process failed \(exit 1\): [^]*pages\.jsonl: page data cut short/);
  });
});
