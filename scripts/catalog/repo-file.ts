/**
 * `.repo` file sections as dnf reads them (dnf.conf(5) repo options). gpgcheck=1 only when
 * package key URLs are given (the caller passes them when every package is signed and the repo
 * carries its key); repo_gpgcheck=1 only when the URL of the key that signed repomd.xml is given.
 * Both are always written, 0 or 1, so a node's dnf.conf default never decides. dnf imports every
 * `gpgkey=` URL for both checks, so the one list holds the package keys and the repomd key.
 */

/** One repo section's inputs; URLs absolute. */
export interface RepoSectionInput { id: string; name: string; baseurl: string; gpgkeys: string[]; repomdKey?: string }

/** Renders `[id]` with name, baseurl, enabled, gpgcheck, repo_gpgcheck and gpgkey (when any), ending in a newline. */
export function repoFileSection(r: RepoSectionInput): string {
  const lines = [`[${r.id}]`, `name=${r.name}`, `baseurl=${r.baseurl}`, 'enabled=1',
    `gpgcheck=${r.gpgkeys.length ? 1 : 0}`, `repo_gpgcheck=${r.repomdKey ? 1 : 0}`];
  const keys = [...new Set([...r.gpgkeys, ...(r.repomdKey ? [r.repomdKey] : [])])];
  if (keys.length) lines.push(`gpgkey=${keys.join(' ')}`);
  return lines.join('\n') + '\n';
}
