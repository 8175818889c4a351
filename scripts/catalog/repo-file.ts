/**
 * `.repo` file sections as dnf reads them (dnf.conf(5) repo options). gpgcheck=1 only when
 * key URLs are given (the caller passes them when every package is signed and the repo
 * carries its key); gpgcheck=0 otherwise.
 */

/** One repo section's inputs; URLs absolute. */
export interface RepoSectionInput { id: string; name: string; baseurl: string; gpgkeys: string[] }

/** Renders `[id]` with name, baseurl, enabled, gpgcheck and gpgkey (when any), ending in a newline. */
export function repoFileSection(r: RepoSectionInput): string {
  const lines = [`[${r.id}]`, `name=${r.name}`, `baseurl=${r.baseurl}`, 'enabled=1'];
  if (r.gpgkeys.length) lines.push('gpgcheck=1', `gpgkey=${r.gpgkeys.join(' ')}`);
  else lines.push('gpgcheck=0');
  return lines.join('\n') + '\n';
}
