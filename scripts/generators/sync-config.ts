/**
 * The `sync:` config that fetches this mirror's repos again on the connected side (the
 * runbooks' "fetch the packages" step, instead of `wget -r`). Each repo's baseurl is the one
 * sync took it from when the mirror was synced; otherwise it follows the upstream URL shapes
 * for the repo names the field runbooks use (facts from Red Hat's UBI and CDN content paths
 * and NVIDIA's CUDA repos):
 * - `ubi8|ubi9/<baseos|appstream|codeready-builder>` → cdn-ubi.redhat.com, no entitlement;
 * - `rhocp-<4.N>-for-rhel-<R>-<arch>-rpms` → cdn.redhat.com with the entitlement pair
 *   (`/etc/pki/entitlement/<serial>.pem`, `-key.pem`, CA `/etc/rhsm/ca/redhat-uep.pem`);
 * - `cuda-rhel<R>-<arch>` → developer.download.nvidia.com (`aarch64` is published as `sbsa`).
 * Any other repo gets a placeholder baseurl, marked with a comment. With kernels, the UBI and
 * rhocp repos take only the dependency closure of the DOCA driver build (profile `doca-driver`)
 * for those kernels (`sync.closure`); the others are mirrored as they are (`closure: false`).
 */

/** What the generator needs of a repo: id, path in the mirror, package arches, sync's upstream baseurl if known. */
export interface SyncConfigRepo { id: string; path: string; arches: string[]; upstream?: string }

/**
 * The upstream of a repo: baseurl, whether it needs the entitlement, a RHEL/RHOCP repo, a note for
 * the user, and the key its repomd.xml and packages are signed with (sync then checks both).
 */
interface Upstream { baseurl: string; entitlement?: boolean; rhel?: boolean; note?: string; gpgkey?: string }

const q = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML scalar
const UBI = 'https://cdn-ubi.redhat.com/content/public/ubi/dist';
const CDN = 'https://cdn.redhat.com/content/dist/layered';

/** Guesses the upstream of a repo from its path (see the module comment). */
export function upstreamOf(r: SyncConfigRepo): Upstream {
  if (r.upstream) {
    const rhel = /(?:^|\/)ubi[89]\/|rhocp-\d+\.\d+-for-rhel-/.test(r.path);
    return { baseurl: r.upstream, note: 'the baseurl this repo was synced from', ...(rhel ? { rhel } : {}) };
  }
  const arch = r.arches.find((a) => a !== 'noarch' && a !== 'src') ?? 'x86_64';
  const ubi = /(?:^|\/)ubi([89])\/(baseos|appstream|codeready-builder)$/.exec(r.path);
  if (ubi) return { baseurl: `${UBI}/ubi${ubi[1]}/${ubi[1]}/${arch}/${ubi[2]}/os/`, rhel: true };
  const rhocp = /rhocp-(\d+\.\d+)-for-rhel-(\d+)-(\w+)-rpms$/.exec(r.path);
  if (rhocp) {
    return { baseurl: `${CDN}/rhel${rhocp[2]}/${rhocp[3]}/rhocp/${rhocp[1]}/os/`, entitlement: true, rhel: true };
  }
  const cuda = /cuda-rhel(\d+)-(x86_64|aarch64|sbsa)$/.exec(r.path);
  if (cuda) {
    const a = cuda[2] === 'aarch64' ? 'sbsa' : cuda[2];
    const baseurl = `https://developer.download.nvidia.com/compute/cuda/repos/rhel${cuda[1]}/${a}/`;
    // NVIDIA signs CUDA's repomd.xml (repomd.xml.asc) and packages with the key D42D0685.pub beside them
    return { baseurl, gpgkey: `${baseurl}D42D0685.pub` };
  }
  return { baseurl: `https://upstream.example/${r.path}/`, note: "set this repo's upstream baseurl" };
}

/**
 * The sync config text (YAML) for `repos`; with `kernels` (kernel releases such as
 * `5.14.0-427.87.1.el9_4.aarch64`) the RHEL repos take the closure of the DOCA driver build.
 */
export function syncConfigYaml(repos: SyncConfigRepo[], kernels: string[]): string {
  const lines = [
    '# airgap-mirror sync config for this mirror (the connected side):',
    '#   airgap-mirror sync --config sync.yaml --mirror /srv/rpmserver/data --dry-run   # the plan',
    '#   airgap-mirror sync --config sync.yaml --mirror /srv/rpmserver/data             # fetch and verify',
    'sync:', '  jobs: 8',
  ];
  if (kernels.length) {
    lines.push('  closure:   # only what the DOCA driver build installs for these kernels (or: --nodes nodes.json)',
      '    profiles: [doca-driver]', `    kernels: [${kernels.map(q).join(', ')}]`);
  }
  lines.push('  repos:');
  for (const r of repos) {
    const u = upstreamOf(r);
    const note = u.note ? `   # ${u.note}` : '';
    lines.push(`    - id: ${q(r.id)}`, `      path: ${q(r.path)}`, `      baseurl: ${q(u.baseurl)}${note}`);
    if (u.entitlement) {
      lines.push('      # the entitlement of a subscribed RHEL host (on OpenShift: secret etc-pki-entitlement)',
        `      sslclientcert: ${q('/etc/pki/entitlement/ENTITLEMENT.pem')}`,
        `      sslclientkey: ${q('/etc/pki/entitlement/ENTITLEMENT-key.pem')}`,
        `      sslcacert: ${q('/etc/rhsm/ca/redhat-uep.pem')}`);
    }
    if (u.gpgkey) {
      lines.push('      repoGpgcheck: true   # upstream signatures checked before anything is used', '      gpgcheck: true',
        `      gpgkey: [${q(u.gpgkey)}]`);
    }
    if (kernels.length && !u.rhel) lines.push('      closure: false   # mirrored as it is');
  }
  return lines.join('\n') + '\n';
}
