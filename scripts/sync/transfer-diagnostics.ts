/** Maps a failed transfer to the catalogue's sync problem codes (one line per URL, with advice). */
import type { Diagnostics } from '../errors/catalogue.ts';
import { TransferError } from './transfer.ts';

/** Reports `err` (thrown while fetching `url`) to `diags` under the code that says what to do. */
export function reportTransfer(diags: Diagnostics, url: string, err: unknown): void {
  if (!(err instanceof TransferError)) {
    diags.report('sync-network-error', url, (err as Error).message ?? String(err));
    return;
  }
  if (err.kind === 'http') {
    if (err.status === 401 || err.status === 403) diags.report('sync-forbidden', url, err.status);
    else if (err.status === 404) diags.report('sync-not-found', url);
    else diags.report('sync-http-error', url, err.message);
  } else if (err.kind === 'timeout') diags.report('sync-timeout', url, err.message);
  else if (err.kind === 'checksum') diags.report('sync-checksum-mismatch', url, err.message);
  else if (err.kind === 'disk') diags.report('sync-disk-error', url, err.message);
  else if (err.kind === 'signature') diags.report('sync-package-signature', url, err.message);
  else diags.report('sync-network-error', url, err.message);
}
