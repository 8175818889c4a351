/**
 * Lints `.repo` files against a built site: each baseurl must have repodata/repomd.xml on
 * the site, each gpgkey URL must exist, section ids must be unique, no two sections may
 * share a baseurl, gpgcheck=1 needs a gpgkey. URLs are mapped to site files by removing the
 * site's base URL; a URL outside it is an error.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRepoFile } from './repo-file-parser.ts';

/** One lint finding. */
export interface LintFinding { level: 'error' | 'warning'; section: string; message: string }

const exists = (p: string) => stat(p).then(() => true, () => false);

/** Lints the text of one .repo file against the site at `siteDir` served at `baseUrl`. */
export async function lintRepoFile(text: string, siteDir: string, baseUrl: string): Promise<LintFinding[]> {
  const findings: LintFinding[] = [];
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const sections = parseRepoFile(text);
  const ids = sections.map((s) => s.id);
  const toPath = (url: string): string | undefined => {
    const u = url.trim();
    return u.startsWith(base) ? decodeURIComponent(u.slice(base.length)) : u === base.slice(0, -1) ? '' : undefined;
  };
  const seenBaseurl = new Map<string, string>();
  for (const [i, { id: section, options: opts }] of sections.entries()) {
    if (ids.indexOf(section) !== i) findings.push({ level: 'error', section, message: `section [${section}] appears more than once; dnf keeps only one` });
    const baseurl = (opts.baseurl ?? '').split(/\s+/)[0]!;
    if (!baseurl) { findings.push({ level: 'error', section, message: 'no baseurl' }); continue; }
    const norm = baseurl.endsWith('/') ? baseurl : `${baseurl}/`;
    const other = seenBaseurl.get(norm);
    if (other) findings.push({ level: 'error', section, message: `same baseurl as [${other}] (${baseurl}): two sections would be one repo` });
    seenBaseurl.set(norm, section);
    const path = toPath(norm);
    if (path === undefined) findings.push({ level: 'error', section, message: `baseurl ${baseurl} is not on this mirror (${base})` });
    else if (!(await exists(join(siteDir, path, 'repodata', 'repomd.xml')))) findings.push({ level: 'error', section, message: `baseurl ${baseurl} has no repodata/repomd.xml on this mirror` });
    const gpgcheck = String(opts.gpgcheck ?? '').trim();
    const keys = String(opts.gpgkey ?? '').split(/[\s,]+/).filter(Boolean);
    if (gpgcheck === '1' && !keys.length) findings.push({ level: 'error', section, message: 'gpgcheck=1 without a gpgkey' });
    for (const k of keys) {
      const kp = toPath(k);
      if (kp === undefined) findings.push({ level: 'warning', section, message: `gpgkey ${k} is not on this mirror: nodes in the air gap cannot fetch it` });
      else if (!(await exists(join(siteDir, kp)))) findings.push({ level: 'error', section, message: `gpgkey ${k} does not exist on this mirror` });
    }
    if (gpgcheck !== '1') findings.push({ level: 'warning', section, message: 'gpgcheck is off: packages are not verified' });
  }
  return findings;
}
