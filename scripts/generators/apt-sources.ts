/**
 * apt sources for Ubuntu node pools (sources.list(5)): the deb822 `.sources` file, one stanza per
 * apt repo of the site (Types, URIs on the base URL, Suites, Components, Architectures, Signed-By
 * with the site key inline, which apt 2.3.10 and later read: Ubuntu 22.04 on), and the one-line
 * `.list` form with `signed-by=` a key file, for Ubuntu 20.04. Without a site key (`--no-sign`)
 * there is no Signed-By to give: the snippets say so instead of falling back to `trusted=yes`.
 */
import YAML from 'yaml';
import { repoBaseurl } from './repo-sets.ts';

/**
 * Upstream suites of an apt repo served verbatim (signed by upstream): suites, components,
 * architectures, and the armored keys that sign them when sync recorded them.
 */
export interface AptUpstreamSuites { suites: string[]; components: string[]; arches: string[]; key?: string }

/** What the snippets need of an apt repo of the site: id, path, architectures, suite and component, upstream suites. */
export interface AptSiteRepo {
  id: string; path: string; arches: string[]; suite: string; component: string; upstream?: AptUpstreamSuites;
}

/** Where the `.list` form expects the site's public key on a node. */
export const APT_KEY_PATH = '/etc/apt/keyrings/airgap-mirror.asc';

/** A deb822 multi-line field value: each line indented by one space, empty lines written ` .` (deb822(5)). */
const multiline = (text: string) => text.trim().split('\n').map((l) => ` ${l.trim() ? l : '.'}`).join('\n');

/**
 * The `.sources` text for `repos` on the site at `baseUrl`, Signed-By the armored `publicKey` when
 * signed; a repo with upstream suites served verbatim gets a second stanza for them, Signed-By the
 * upstream keys (apt checks upstream's own signature). Use one of a repo's stanzas: both name its packages.
 */
export function aptSources(repos: AptSiteRepo[], baseUrl: string, publicKey?: string): string {
  return repos.flatMap((r) => [[`# ${r.id}`, 'Types: deb', `URIs: ${repoBaseurl(baseUrl, r.path)}`,
    `Suites: ${r.suite}`, `Components: ${r.component}`, `Architectures: ${r.arches.join(' ')}`,
    ...(publicKey ? [`Signed-By:\n${multiline(publicKey)}`]
      : ['# unsigned (built with --no-sign): no Signed-By to give']),
  ].join('\n'), ...(r.upstream ? [[
    `# ${r.id}, upstream's own suites as upstream signed them (the same packages; enable this or the stanza above)`,
    'Enabled: no', 'Types: deb', `URIs: ${repoBaseurl(baseUrl, r.path)}`, `Suites: ${r.upstream.suites.join(' ')}`,
    `Components: ${r.upstream.components.join(' ')}`, `Architectures: ${r.upstream.arches.join(' ')}`,
    r.upstream.key ? `Signed-By:\n${multiline(r.upstream.key)}`
      : '# Signed-By: the archive key upstream signs with (e.g. /usr/share/keyrings/ubuntu-archive-keyring.gpg)',
  ].join('\n')] : [])]).join('\n\n') + '\n';
}

/** The one-line `.list` text for `repos`: `signed-by=` the key at APT_KEY_PATH (save the site key there). */
export function aptList(repos: AptSiteRepo[], baseUrl: string, signed: boolean): string {
  return repos.map((r) => `deb [arch=${r.arches.join(',')}${signed ? ` signed-by=${APT_KEY_PATH}` : ''}] `
    + `${repoBaseurl(baseUrl, r.path)} ${r.suite} ${r.component}`).join('\n') + '\n';
}

/**
 * The repoConfig ConfigMap for Ubuntu pools: key `airgap-mirror.sources` holding `sources`. Both
 * operators mount each key of a repoConfig ConfigMap as a file into the driver container's
 * `/etc/apt/sources.list.d/` on Ubuntu nodes (GPU Operator RepoConfigPathMap, Network Operator
 * state_ofed.go), beside the image's own sources, which stay active.
 */
export function aptRepoConfigManifest(sources: string, o: { name: string; namespace: string }): string {
  return YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: o.name, namespace: o.namespace },
    data: { 'airgap-mirror.sources': sources } }, { lineWidth: 0 });
}

/**
 * The certConfig ConfigMap for a site served over https: key `airgap-mirror-ca.crt` (Ubuntu's
 * update-ca-certificates takes only `*.crt` from /usr/local/share/ca-certificates, where the
 * operators mount it), to be filled with the PEM of the CA that signed the site's certificate.
 */
export function aptCertConfigManifest(o: { name: string; namespace: string }): string {
  return YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: o.name, namespace: o.namespace },
    data: { 'airgap-mirror-ca.crt': '-----BEGIN CERTIFICATE-----\n(the PEM of the CA that signed the site\'s TLS certificate)\n'
      + '-----END CERTIFICATE-----\n' } }, { lineWidth: 0 });
}
