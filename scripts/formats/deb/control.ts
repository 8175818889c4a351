/**
 * Debian control data (deb822, Debian Policy §5.1): a paragraph of `Field: value` lines, a line
 * starting with a space or tab continuing the field before it; and the relation fields of §7.1
 * (`Depends`, `Pre-Depends`, `Recommends`, `Suggests`, `Breaks`, `Conflicts`, `Provides`,
 * `Replaces`, `Enhances`): comma-separated relations, each `|`-separated alternatives of
 * `name[:arch] [(op version)] [[arch list]] [<profiles>]`.
 */

/**
 * A control paragraph: field name (as written) → value; continuation lines are joined with `\n`
 * and keep their leading space, as `dpkg-deb --field` prints them and a Packages file repeats them.
 */
export type ControlParagraph = Record<string, string>;

/** Parses the first paragraph of `text` (fields until the first blank line). */
export function parseControl(text: string): ControlParagraph {
  const out: ControlParagraph = {};
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim()) {
      if (Object.keys(out).length) break;
      continue;
    }
    if (/^[ \t]/.test(line) && last) out[last] += `\n${line}`;
    else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim();
      out[last] = line.slice(colon + 1).trim();
    }
  }
  return out;
}

/** One alternative of a relation: package name, arch qualifier (`any`, `amd64`, …), version operator and version. */
export interface DebAlternative { name: string; arch?: string; op?: '<<' | '<=' | '=' | '>=' | '>>'; version?: string }
/** One relation: its alternatives, the first that can be met wins (apt's rule). */
export type DebRelation = DebAlternative[];

/** Relation fields, in Policy's order. */
export const RELATION_FIELDS = ['Pre-Depends', 'Depends', 'Recommends', 'Suggests', 'Enhances', 'Breaks', 'Conflicts',
  'Provides', 'Replaces'] as const;

/** `name[:arch] [(op version)] [[arch list]] [<profiles>]`: groups name, arch, operator, version. */
const ALTERNATIVE = new RegExp('^([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9-]+))?'
  + '\\s*(?:\\(\\s*(<<|<=|=|>=|>>|<|>)\\s*([^)\\s]+)\\s*\\))?'
  + '\\s*(?:\\[[^\\]]*\\])?\\s*(?:<[^>]*>\\s*)*$');

/** Parses a relation field value; an alternative that does not parse is kept by its name only. */
export function parseRelations(value: string | undefined): DebRelation[] {
  if (!value?.trim()) return [];
  return value.split(',').map((rel) => rel.trim()).filter(Boolean).map((rel) => rel.split('|').map((alt) => {
    const text = alt.trim();
    const m = ALTERNATIVE.exec(text);
    if (!m) return { name: text.split(/[\s(:[<]/)[0]! };
    // `<` and `>` are the obsolete spellings of `<=` and `>=` (Policy §7.1)
    const op = m[3] === '<' ? '<=' : m[3] === '>' ? '>=' : m[3] as DebAlternative['op'];
    return { name: m[1]!, ...(m[2] ? { arch: m[2] } : {}), ...(op ? { op, version: m[4]! } : {}) };
  }));
}
