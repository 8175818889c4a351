/**
 * Values the runbook components show: the catalog, its settings and the runbook values the
 * build made (scripts/generators/runbook-values.ts, where a value that could not be made is
 * listed in `failed` with why), and the serving host, port and path of this site's base URL.
 */
import { readCatalog } from '../../scripts/catalog/catalog-loader.ts';

/** Everything a runbook can show, filled with this mirror's values. */
export async function runbookData() {
  const c = await readCatalog();
  const base = new URL(c.baseUrl);
  return {
    ...c.runbook,
    catalog: c,
    settings: c.settings,
    kernels: c.preflight.map((p) => p.kernelVersion),
    repoFiles: c.repoFiles,
    host: base.hostname,
    port: base.port || (base.protocol === 'https:' ? '443' : '80'),
    basePath: base.pathname,
  };
}
