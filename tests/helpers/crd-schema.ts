/**
 * Validates Kubernetes manifests against published CRD schemas (openAPIV3Schema of the
 * storage version) with ajv. Objects that declare `properties` are closed to unknown fields
 * (as the API server's structural pruning would silently drop them), unless the schema
 * says x-kubernetes-preserve-unknown-fields.
 */
import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import YAML from 'yaml';
import { ROOT } from './cli.ts';

type Schema = Record<string, unknown>;

function closeObjects(s: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v).map(([p, sub]) => [p, closeObjects(sub as Schema)]));
    else if ((k === 'items' || k === 'additionalProperties') && v && typeof v === 'object') out[k] = closeObjects(v as Schema);
    else if ((k === 'anyOf' || k === 'oneOf' || k === 'allOf') && Array.isArray(v)) out[k] = v.map((x) => closeObjects(x as Schema));
    else out[k] = v;
  }
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

/** A validator for one CRD file in tests/fixtures/crds: returns ajv error strings ([] when valid). */
export async function crdValidator(file: string): Promise<(doc: unknown) => string[]> {
  const crd = YAML.parse(await readFile(`${ROOT}tests/fixtures/crds/${file}`, 'utf8'));
  const version = crd.spec.versions.find((v: { storage?: boolean }) => v.storage) ?? crd.spec.versions[0];
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const validate = ajv.compile(closeObjects(version.schema.openAPIV3Schema));
  return (doc) => {
    const d = doc as { apiVersion?: string; kind?: string };
    const errors: string[] = [];
    if (d.apiVersion !== `${crd.spec.group}/${version.name}`) errors.push(`apiVersion ${d.apiVersion} is not ${crd.spec.group}/${version.name}`);
    if (d.kind !== crd.spec.names.kind) errors.push(`kind ${d.kind} is not ${crd.spec.names.kind}`);
    if (!validate(doc)) errors.push(...(validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`));
    return errors;
  };
}
