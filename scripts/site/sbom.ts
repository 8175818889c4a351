/**
 * The site's software bill of materials, `_site/sbom.cdx.json`: CycloneDX 1.6 JSON made with the
 * CycloneDX project's own library (models, normaliser, serializer; validated in the tests by its
 * JSON validator), so a security team can scan offline what crosses the gap. Each repo is a
 * component (type `data`, its baseurl as a property) holding one component per package file:
 * name, `version-release`, the purl (`pkg:rpm/<namespace>/<name>@<version>-<release>?arch=…&epoch=…`,
 * purl-spec's rpm type; the namespace is the vendor without company suffix, lower case and joined
 * (`Red Hat, Inc.` → `redhat`, `NVIDIA Corporation` → `nvidia`), else the repo id),
 * the file's SHA-256 (its pkgid), its license (an SPDX expression when it is one, else named as the
 * header writes it) and the vendor as supplier. Lists are sorted, there is no random serial number
 * and the time is the build's, so the same mirror gives the same bytes.
 */
import cdx from '@cyclonedx/cyclonedx-library';
import { PackageURL } from 'packageurl-js';
import parseSpdx from 'spdx-expression-parse';
import { type PackageRecord } from '../formats/format.ts';
import { TOOL_VERSION } from '../tool-version.ts';

/** Site path of the SBOM. */
export const SBOM_PATH = '_site/sbom.cdx.json';

/** One repo as the SBOM lists it: id, absolute baseurl, its packages. */
export interface SbomRepo { id: string; baseurl: string; packages: PackageRecord[] }

const { Models, Enums, Spec, Serialize, Contrib } = cdx;
const licenses = new Contrib.License.Factories.LicenseFactory((text: string) => { parseSpdx(text); });

/** The purl namespace of a package: its vendor as the module comment says (`Red Hat, Inc.` → `redhat`), else the repo id. */
function namespaceOf(p: PackageRecord, repoId: string): string {
  const vendor = p.vendor.toLowerCase().replace(/,.*$/, '').replace(/\b(inc|corporation|corp|llc|ltd|project)\.?$/, '')
    .replace(/[^a-z0-9]/g, '');
  return vendor || repoId.toLowerCase().replace(/[^a-z0-9._-]/g, '-');
}

/** The purl of `p` in `repoId` (purl-spec, type rpm). */
export function rpmPurl(p: PackageRecord, repoId: string): string {
  const qualifiers: Record<string, string> = { arch: p.arch };
  if (p.epoch && p.epoch !== '0') qualifiers.epoch = p.epoch;
  const version = `${p.version}-${p.release}`;
  return new PackageURL('rpm', namespaceOf(p, repoId), p.name, version, qualifiers, undefined).toString();
}

/** The component of one package file. */
function packageComponent(p: PackageRecord, repoId: string): InstanceType<typeof Models.Component> {
  const c = new Models.Component(Enums.ComponentType.Library, p.name, {
    bomRef: `${repoId}/${p.locationHref}`, version: `${p.version}-${p.release}`, purl: rpmPurl(p, repoId),
    ...(p.summary ? { description: p.summary } : {}),
    ...(p.vendor ? { supplier: new Models.OrganizationalEntity({ name: p.vendor }) } : {}),
  });
  c.hashes.set(Enums.HashAlgorithm['SHA-256'], p.pkgid);
  if (p.license) c.licenses.add(licenses.makeFromString(p.license));
  c.properties.add(new Models.Property('airgap-mirror:location', p.locationHref));
  return c;
}

/**
 * The SBOM of `repos` as compact JSON text, dated `builtAt` (epoch seconds). Throws the
 * library's error for a model it cannot serialise (none expected from package records).
 */
export function sbomJson(repos: SbomRepo[], builtAt: number): string {
  const bom = new Models.Bom({
    metadata: new Models.Metadata({
      timestamp: new Date(builtAt * 1000),
      tools: new Models.Tools({ components: new Models.ComponentRepository([
        new Models.Component(Enums.ComponentType.Application, 'airgap-mirror', { bomRef: 'tool', version: TOOL_VERSION }),
      ]) }),
      component: new Models.Component(Enums.ComponentType.Data, 'airgap-mirror site', { bomRef: 'site' }),
    }),
  });
  for (const r of repos) {
    const repo = new Models.Component(Enums.ComponentType.Data, r.id, { bomRef: `repo:${r.id}` });
    repo.properties.add(new Models.Property('airgap-mirror:baseurl', r.baseurl));
    for (const p of r.packages) repo.components.add(packageComponent(p, r.id));
    bom.components.add(repo);
  }
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  // compact: at 30,000 packages the SBOM is about 20 MB so, 35 MB indented, and a delta bundle carries it whole
  return serializer.serialize(bom, { sortLists: true }) + '\n';
}
