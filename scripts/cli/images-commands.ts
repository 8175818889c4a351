/**
 * `airgap-mirror images check|list`: the driver images the cluster's node pools need
 * (cluster/required-images.ts), checked against the mirror registry or written as a mirror
 * list for the connected side.
 */
import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ExitCode, UsageError } from '../errors/exit-codes.ts';
import type { ImageNote } from '../cluster/required-images.ts';

const collectSettings = async (config?: string) => {
  const [{ readBuildConfig }, { resolveSettings }] = await Promise.all([import('../scan/build-config.ts'),
    import('../generators/settings.ts')]);
  return config ? (await readBuildConfig(config)).settings : resolveSettings(undefined);
};

/** Pools and their required images from `--nodes` and `--config`. */
async function required(o: { nodes: string; config?: string }) {
  const settings = await collectSettings(o.config);
  const { readNodePools } = await import('../cluster/node-pools.ts');
  const { requiredImages } = await import('../cluster/required-images.ts');
  const pools = await readNodePools(o.nodes, settings.openshiftVersion);
  return { settings, pools, ...requiredImages(pools, settings) };
}

/** The auth file to read: `--authfile`, else `$REGISTRY_AUTH_FILE`, podman's and Docker's default places, if present. */
function authFile(explicit?: string): string | undefined {
  if (explicit) return explicit;
  const candidates = [process.env.REGISTRY_AUTH_FILE, process.env.XDG_RUNTIME_DIR && join(process.env.XDG_RUNTIME_DIR, 'containers/auth.json'),
    join(homedir(), '.config/containers/auth.json'), join(homedir(), '.docker/config.json')];
  return candidates.find((f): f is string => !!f && existsSync(f));
}

interface CheckOptions { nodes: string; config?: string; registry?: string; authfile?: string; ca?: string; insecure?: boolean;
  tlsVerify: 'true' | 'false'; json?: string; pageSize?: string }

/** Runs `images check`; returns the exit code (0 all present, 2 any missing or not checkable). */
async function runCheck(o: CheckOptions): Promise<number> {
  const { pools, images, notes } = await required(o);
  const { RegistryClient, readAuthFile } = await import('../cluster/registry-client.ts');
  const { checkImages } = await import('../cluster/check-images.ts');
  const auth = authFile(o.authfile);
  const pageSize = o.pageSize ? Number(o.pageSize) : undefined;
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize > 0)) throw new UsageError(`--page-size ${o.pageSize}: expected a whole number`);
  if (o.registry?.startsWith('http:') && !o.insecure) {
    throw new UsageError(`--registry ${o.registry}: plain http needs --insecure (the registry serves no TLS)`);
  }
  const client = await RegistryClient.create({ ...(o.ca ? { ca: o.ca } : {}), tlsVerify: o.tlsVerify !== 'false',
    ...(auth ? { credentials: await readAuthFile(auth).catch((e) => { throw new UsageError((e as Error).message); }) } : {}),
    ...(pageSize ? { pageSize } : {}) });
  const endpoint = (host: string) => o.registry ?? `${o.insecure ? 'http' : 'https'}://${host}`;
  const verdicts = await checkImages(images, client, endpoint).finally(() => client.close());
  const lines: string[] = [];
  for (const p of pools) {
    lines.push(`pool ${p.id} (${p.arch}${p.pages64k ? ', 64k pages' : ''}; ${p.nodes.length} nodes: ${p.nodes.join(', ')})`);
    for (const v of verdicts.filter((x) => x.pool === p.id)) {
      if (v.status === 'present') lines.push(`  present      ${v.kind.padEnd(17)} ${v.image}`);
      else if (v.status === 'missing') lines.push(`  MISSING      ${v.kind.padEnd(17)} tag ${v.tag} in ${v.repository} (${v.why})`);
      else lines.push(`  not checked  ${v.kind.padEnd(17)} ${v.image}: ${v.why}`);
    }
    lines.push(...noteLines(notes.filter((x) => x.pool === p.id)));
  }
  const n = (s: string) => verdicts.filter((v) => v.status === s).length;
  lines.push(`Summary: ${pools.length} pools, ${n('present')} images present, ${n('missing')} missing, ${n('unchecked')} not checkable.`);
  process.stdout.write(lines.join('\n') + '\n');
  if (o.json) await writeFile(o.json, JSON.stringify({ checkedAt: new Date().toISOString(), pools, verdicts }, null, 1) + '\n');
  return n('missing') || n('unchecked') || notes.some((x) => x.problem) ? ExitCode.PARTIAL : ExitCode.OK;
}

/** A pool's image notes as lines: `no image` for a kind none exists of, `NO TAG` for one that could not be made. */
const noteLines = (notes: ImageNote[]) =>
  notes.map((x) => `  ${x.problem ? 'NO TAG      ' : 'no image    '} ${x.kind.padEnd(17)} ${x.text}`);

/** Runs `images list`. */
async function runList(o: { nodes: string; config?: string; format: string; out?: string }): Promise<number> {
  const { settings, images, notes } = await required(o);
  for (const x of notes.filter((n) => n.problem)) process.stderr.write(`error: pool ${x.pool}: ${x.kind}: ${x.text}\n`);
  const { imageSetConfiguration, mirrorList, skopeoScript } = await import('../cluster/mirror-list.ts');
  const list = mirrorList(images, settings.imageMirrors);
  const text = o.format === 'skopeo' ? skopeoScript(list) : imageSetConfiguration(list);
  if (o.out) await writeFile(o.out, text, { mode: o.format === 'skopeo' ? 0o755 : 0o644 });
  else process.stdout.write(text);
  return notes.some((n) => n.problem) ? ExitCode.PARTIAL : ExitCode.OK;
}

/** Adds `images check` and `images list` to the program. */
export function addImagesCommands(program: Command): void {
  const images = program.command('images').description("driver images the cluster's node pools need (oc get nodes -o json)");
  images.command('check')
    .description('check that the mirror registry holds every image the node pools need (OCI distribution API)')
    .requiredOption('--nodes <file>', 'node list: oc get nodes -o json > nodes.json')
    .option('--config <file>', 'build config whose settings: name the registry, driver versions and images')
    .option('--registry <url>', 'ask this endpoint (e.g. http://127.0.0.1:5000) instead of https://<registry host>')
    .option('--authfile <file>', 'podman/Docker auth.json (default: $REGISTRY_AUTH_FILE, then podman and Docker defaults)')
    .option('--ca <file>', 'CA certificate of the registry')
    .option('--insecure', 'plain http: the registry serves no TLS (TLS certificates are still verified where it does)')
    .addOption(new Option('--tls-verify <bool>', 'verify the registry\'s TLS certificate (--tls-verify=false: do not, as podman)')
      .choices(['true', 'false']).default('true'))
    .option('--page-size <n>', 'tags asked per page (n=, default 1000)')
    .option('--json <file>', 'write the verdicts as JSON (for build --images-check)')
    .addHelpText('after', '\nExit codes: 0 every image present, 2 some missing or not checkable (named above), 1 bad input.')
    .action(async (opts) => { process.exitCode = await runCheck(opts); });
  images.command('list')
    .description('write the images the node pools need, for the connected side')
    .requiredOption('--nodes <file>', 'node list: oc get nodes -o json > nodes.json')
    .option('--config <file>', 'build config whose settings: name the registry, images and imageMirrors')
    .addOption(new Option('--format <format>', 'oc-mirror v2 ImageSetConfiguration or a skopeo copy script')
      .choices(['oc-mirror', 'skopeo']).default('oc-mirror'))
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (opts) => { process.exitCode = await runList(opts); });
}
