/** Page paths from hostile names: one page per name, never a special or outside path segment. */
import { describe, expect, it } from 'vitest';
import { packagePagePath, slug } from '../../scripts/catalog/page-paths.ts';

describe('slug', () => {
  const names = ['a<b', 'a>b', 'a_b', 'a~3cb', '.', '..', '.hidden', '', '~', 'né', 'n\u00e9', 'x/../../etc', '<script>', 'a\nb',
    'kernel-64k-devel', 'gcc-c++', 'python3.11'];
  it('is one to one and keeps ordinary RPM names as they are', () => {
    const slugs = names.map(slug);
    expect(new Set(slugs).size).toBe(new Set(names).size);
    expect(slugs.slice(-3)).toEqual(['kernel-64k-devel', 'gcc-c++', 'python3.11']);
    expect(slug('a<b')).toBe('a~3cb');
  });
  it('never yields ".", "..", a leading dot, a slash, markup or a control character', () => {
    for (const n of names) {
      const s = slug(n);
      expect(s).toMatch(/^[A-Za-z0-9_+~-][A-Za-z0-9._+~-]*$/);
      expect(packagePagePath('repo', n).split('/').slice(0, -1)).toHaveLength(4);
    }
  });
});
