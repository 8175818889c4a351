/** SHA-256 of bytes in memory, the one helper every stage uses (sync plans, apt indices, bundles, page keys). */
import { createHash } from 'node:crypto';

/** SHA-256 of `data` (a string is hashed as UTF-8), lowercase hex. */
export function sha256(data: Buffer | Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
