/**
 * `.repo` files per repo set as the field runbooks use them (seed 000): `ubi.repo` (UBI
 * BaseOS/AppStream), `cuda.repo` (NVIDIA CUDA), `redhat.repo` (rhocp/RHEL), `mirror.repo`
 * (anything else). One section per repo with its own baseurl; gpgcheck=1 with the mirrored
 * key(s) only when every package's signature verified against a key mirrored with the repo,
 * else gpgcheck=0 and the reason.
 */
import { repoFileSection } from '../catalog/repo-file.ts';
import { encodePath } from '../url-path.ts';

/** What the generators need to know about a repo of the site. */
export interface SiteRepo {
  id: string;
  name: string;
  /** Path relative to the site root. */
  path: string;
  /** Key files in the repo directory (relative to it). */
  keyFiles: string[];
  packageCount: number;
  /** Key files whose keys signed the repo's packages (relative to the repo). */
  gpgkeyFiles: string[];
  /** Why gpgcheck must be 0 (unsigned packages, unknown keys, no key file...); absent when gpgcheck=1 is safe. */
  gpgcheckOffReason?: string;
  /** Site path of the public key that verifies the repo's repomd.xml signature; absent when none does. */
  repomdKey?: string;
  /** Why repo_gpgcheck must be 0 (--no-sign, upstream repodata kept without a signature); absent when repomdKey is set. */
  repomdKeyOffReason?: string;
}

/** Who signs a repo's repomd.xml: the site path of the key that verifies it, or why nothing does. */
export type RepomdTrust = { key: string } | { offReason: string };

/** Repo set (file name without `.repo`) a repo belongs to, from its path. */
export function repoSetOf(path: string): string {
  const first = path.split('/')[0] ?? '';
  if (/^ubi\d*$/.test(first)) return 'ubi';
  if (/cuda/.test(first)) return 'cuda';
  if (/^(rhocp|rhel|codeready|rhoso|fast-datapath)/.test(first)) return 'redhat';
  return 'mirror';
}

/** gpgcheck decision for one repo: the signing keys' URLs when every package verified, else the reason gpgcheck is 0. */
export function gpgDecision(repo: SiteRepo, baseurl: string): { gpgkeys: string[]; reason?: string } {
  if (repo.gpgcheckOffReason) return { gpgkeys: [], reason: repo.gpgcheckOffReason };
  return { gpgkeys: repo.gpgkeyFiles.map((k) => new URL(encodePath(k), baseurl).href) };
}

/**
 * The `.repo` section of one repo on the site at `baseUrl`, and why gpgcheck or repo_gpgcheck
 * is 0 (as `gpgcheck=0 because …` lines).
 */
export function repoSection(r: SiteRepo, baseUrl: string): { text: string; warnings: string[] } {
  const baseurl = repoBaseurl(baseUrl, r.path);
  const g = gpgDecision(r, baseurl);
  const warnings = [...(g.reason ? [`${r.id}: gpgcheck=0 because ${g.reason}`] : []),
    ...(r.repomdKeyOffReason ? [`${r.id}: repo_gpgcheck=0 because ${r.repomdKeyOffReason}`] : [])];
  const repomdKey = r.repomdKey ? new URL(encodePath(r.repomdKey), baseUrl).href : undefined;
  return { text: repoFileSection({ id: r.id, name: r.name, baseurl, gpgkeys: g.gpgkeys, ...(repomdKey ? { repomdKey } : {}) }), warnings };
}

/** A generated `.repo` file: name, text, and the per-repo reasons for gpgcheck=0. */
export interface RepoFile { fileName: string; text: string; warnings: string[] }

/** Absolute baseurl of a repo on the site. */
export function repoBaseurl(baseUrl: string, path: string): string {
  return new URL(path ? `${encodePath(path)}/` : '', baseUrl).href;
}

/** The `.repo` files for `repos`, grouped by repo set, sorted by file name. */
export function repoFiles(repos: SiteRepo[], baseUrl: string): RepoFile[] {
  const sets = new Map<string, SiteRepo[]>();
  for (const r of [...repos].sort((a, b) => a.path.localeCompare(b.path))) (sets.get(repoSetOf(r.path)) ?? sets.set(repoSetOf(r.path), []).get(repoSetOf(r.path))!).push(r);
  return [...sets].sort(([a], [b]) => a.localeCompare(b)).map(([set, list]) => {
    const warnings: string[] = [];
    const text = list.map((r) => {
      const s = repoSection(r, baseUrl);
      warnings.push(...s.warnings);
      return s.text;
    }).join('\n');
    return { fileName: `${set}.repo`, text, warnings };
  });
}
