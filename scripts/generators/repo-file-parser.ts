/**
 * Reads `.repo` files the way dnf does (libdnf's ConfigParser): `[section]` headers,
 * `key=value` with whitespace around both trimmed, `#`/`;` comment lines, indented lines
 * continuing the previous value, later duplicate keys overriding earlier ones. Unlike a
 * generic INI reader it keeps dots in section names and reports duplicate sections.
 */

/** One section in file order, with its line number (1-based). */
export interface RepoSection { id: string; line: number; options: Record<string, string> }

/** Parses .repo text into sections in file order (duplicates kept, for lint to report). */
export function parseRepoFile(text: string): RepoSection[] {
  const sections: RepoSection[] = [];
  let current: RepoSection | undefined;
  let lastKey: string | undefined;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    if (/^\s*([#;].*)?$/.test(raw)) continue;
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      current = { id: header[1]!.trim(), line: i + 1, options: {} };
      sections.push(current);
      lastKey = undefined;
    } else if (/^\s/.test(raw) && current && lastKey) {
      current.options[lastKey] += `\n${raw.trim()}`;
    } else {
      const eq = raw.indexOf('=');
      if (!current || eq < 0) continue;
      lastKey = raw.slice(0, eq).trim();
      current.options[lastKey] = raw.slice(eq + 1).trim();
    }
  }
  return sections;
}
