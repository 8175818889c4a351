import { createRequire } from 'node:module';

/** airgap-mirror's version, from package.json (written into manifests, caches and pages). */
export const TOOL_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
