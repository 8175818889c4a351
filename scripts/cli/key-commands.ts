/**
 * `airgap-mirror key create`: makes a site key pair (trust/site-key.ts) for `build --signing-key`
 * and `bundle --signing-key`, with its passphrase from a file or the environment, never from
 * the command line. An existing key is never overwritten.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../errors/exit-codes.ts';

/** Runs `key create`; returns the exit code. Throws UsageError when a key is already there. */
async function runCreate(o: { out: string; passphraseFile?: string; name?: string }): Promise<number> {
  const { createSiteKey, passphraseFrom, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } = await import('../trust/site-key.ts');
  const priv = join(o.out, PRIVATE_KEY_FILE);
  if (await stat(priv).then(() => true, () => false)) {
    throw new UsageError(`${priv} exists; a key is never overwritten (move it away first, or choose another --out)`);
  }
  const passphrase = await passphraseFrom(o.passphraseFile);
  const key = await createSiteKey(o.out, { ...(passphrase ? { passphrase } : {}), ...(o.name ? { name: o.name } : {}) });
  const locked = passphrase ? ', passphrase-protected' : '';
  process.stdout.write(`Made an RSA 4096 OpenPGP key, fingerprint ${key.fingerprint}${locked}:\n`
    + `  ${priv} (private, mode 0600: keep it on the connected side)\n`
    + `  ${join(o.out, PUBLIC_KEY_FILE)} (public: carry it to `
    + 'the nodes and to whoever verifies bundles, by a way other than the bundle itself)\n');
  return ExitCode.OK;
}

/** Adds `key create` to the program. */
export function addKeyCommands(program: Command): void {
  const key = program.command('key').description('the site key that signs repodata and bundles');
  key.command('create')
    .description('make an OpenPGP key pair (site-key.asc, site-key.pub.asc) for --signing-key')
    .requiredOption('--out <dir>', 'directory for the key pair (created, mode 0700)')
    .option('--passphrase-file <file>',
      'encrypt the private key with the first line of this file (else $AIRGAP_MIRROR_KEY_PASSPHRASE)')
    .option('--name <name>', 'user ID of the key (default: airgap-mirror site key)')
    .action(async (opts) => { process.exitCode = await runCreate(opts); });
}
