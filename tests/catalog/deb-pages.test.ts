/**
 * Page data of .deb packages (scripts/catalog/deb-pages.ts): each alternative of a relation links
 * exactly the packages that satisfy it by Debian Policy §7.1/§7.5 (a real package whose version meets
 * the relation; a virtual package's providers, and for a versioned relation only a versioned
 * Provides that meets it), reverse dependencies come from Depends and Pre-Depends only, and
 * the lists are bounded.
 */
import { describe, expect, it } from 'vitest';
import { debPages, FILES_ON_PAGE, PROVIDERS_ON_PAGE } from '../../scripts/catalog/deb-pages.ts';
import type { AptPackage } from '../../scripts/formats/format.ts';

const pkg = (control: Record<string, string>, files: string[] = []): AptPackage => ({
  filename: `pool/${control.Package}_${control.Version}_${control.Architecture ?? 'all'}.deb`,
  deb: { control: { Architecture: 'amd64', ...control }, files, changelog: [], size: 100, md5: 'm', sha256: 's' } });

const repo = [
  pkg({ Package: 'app', Version: '1.0-1', Depends: 'libfoo (>= 2.0) | libfoo-compat, mail-transport-agent, '
    + 'libbar (>= 3), missing-thing', Recommends: 'libfoo', Description: 'an app\n longer text\n .\n second' }),
  pkg({ Package: 'libfoo', Version: '2.1-1' }),
  pkg({ Package: 'libfoo', Version: '1:1.0-1' }),
  pkg({ Package: 'libfoo', Version: '1.9-1' }),
  pkg({ Package: 'postfix', Version: '3.6', Provides: 'mail-transport-agent' }),
  pkg({ Package: 'exim4', Version: '4.95', Provides: 'mail-transport-agent' }),
  pkg({ Package: 'libbar-ng', Version: '1.0', Provides: 'libbar (= 3.1)' }),
  pkg({ Package: 'libbar-old', Version: '1.0', Provides: 'libbar' }),
  pkg({ Package: 'tool', Version: '1', 'Pre-Depends': 'libfoo (<< 2)', Suggests: 'app' }),
];

describe('deb package pages', () => {
  const pages = debPages([{ repoId: 'jammy', repoPath: 'ubuntu/jammy', packages: repo }]);
  const page = (name: string) => pages.find((p) => p.name === name)!;
  const alternatives = (name: string, field: string) => page(name).versions[0]!.relations.find(([f]) => f === field)![1]
    .map((rel) => rel.map((a) => [a.text, a.satisfiedBy.map((l) => l.text)]));

  it('link each alternative to exactly what satisfies it, virtual packages included', () => {
    expect(alternatives('app', 'Depends')).toEqual([
      // 1:1.0-1 sorts above 2.0 (epoch), 1.9-1 below it
      [['libfoo (>= 2.0)', ['libfoo 2.1-1 (amd64)', 'libfoo 1:1.0-1 (amd64)']], ['libfoo-compat', []]],
      [['mail-transport-agent', ['postfix 3.6 (amd64)', 'exim4 4.95 (amd64)']]],
      // a versioned relation on a virtual package: only the versioned Provides that meets it
      [['libbar (>= 3)', ['libbar-ng 1.0 (amd64)']]],
      [['missing-thing', []]],
    ]);
    expect(alternatives('tool', 'Pre-Depends')).toEqual([[['libfoo (<< 2)', ['libfoo 1.9-1 (amd64)']]]]);
    expect(page('app').versions[0]!.summary).toBe('an app');
    expect(page('app').versions[0]!.description).toBe('longer text\n\nsecond');
  });

  it('one page per name, newest version first, links to the version anchor', () => {
    expect(pages.map((p) => p.name)).toEqual(['app', 'exim4', 'libbar-ng', 'libbar-old', 'libfoo', 'postfix', 'tool']);
    expect(page('libfoo').versions.map((v) => v.version)).toEqual(['1:1.0-1', '2.1-1', '1.9-1']);
    expect(page('libfoo').page).toBe('_site/d/jammy/libfoo/');
    expect(page('app').versions[0]!.relations.find(([f]) => f === 'Depends')![1][0]![0]!.satisfiedBy[0]!.href)
      .toBe('_site/d/jammy/libfoo/#v-2.1-1-amd64');
  });

  it('count as required by only Depends and Pre-Depends', () => {
    expect(page('libfoo').requiredBy.map((l) => l.text)).toEqual(['app 1.0-1 (amd64)', 'tool 1 (amd64)']);
    expect(page('postfix').requiredBy.map((l) => l.text)).toEqual(['app 1.0-1 (amd64)']);
    expect(page('libbar-old').requiredBy).toEqual([]);
    expect(page('app').requiredBy, 'Suggests is not a dependency').toEqual([]);
  });

  it('are bounded: files and links per alternative', () => {
    const many = Array.from({ length: PROVIDERS_ON_PAGE + 5 },
      (_, i) => pkg({ Package: `p${i}`, Version: '1', Provides: 'v' }));
    const files = Array.from({ length: FILES_ON_PAGE + 10 }, (_, i) => `/f/${i}`);
    const big = pkg({ Package: 'big', Version: '1', Depends: 'v' }, files);
    const [bigPage] = debPages([{ repoId: 'r', repoPath: 'r', packages: [big, ...many] }]);
    const v = bigPage!.versions[0]!;
    expect([v.files.length, v.fileCount]).toEqual([FILES_ON_PAGE, FILES_ON_PAGE + 10]);
    const alt = v.relations[0]![1][0]![0]!;
    expect([alt.satisfiedBy.length, alt.satisfiedByCount]).toEqual([PROVIDERS_ON_PAGE, PROVIDERS_ON_PAGE + 5]);
  });
});
