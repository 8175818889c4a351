/**
 * Minimal reader for OpenPGP signature packets stored in RPM signature headers: enough to
 * name the signing key (issuer key ID / fingerprint), algorithm, hash and creation time.
 * Packet and subpacket framing per RFC 4880 §4.2/§5.2 and RFC 9580 (v6 signatures).
 * Verification of the signature itself is out of scope here.
 */
import type { SignatureInfo } from './package-record.ts';

const PUBKEY_ALGO: Record<number, string> = { 1: 'RSA', 3: 'RSA', 17: 'DSA', 19: 'ECDSA', 22: 'EdDSA', 27: 'Ed25519', 28: 'Ed448' };
const HASH_ALGO: Record<number, string> = { 1: 'MD5', 2: 'SHA1', 8: 'SHA256', 9: 'SHA384', 10: 'SHA512', 11: 'SHA224', 12: 'SHA3-256', 14: 'SHA3-512' };

/** Unwraps the packet framing (old or new format) and returns the body of the first packet. */
function packetBody(buf: Buffer): Buffer | undefined {
  if (buf.length < 2 || !(buf[0]! & 0x80)) return undefined;
  if (buf[0]! & 0x40) { // new format
    const l0 = buf[1]!;
    if (l0 < 192) return buf.subarray(2, 2 + l0);
    if (l0 < 224) return buf.subarray(3, 3 + ((l0 - 192) << 8) + buf[2]! + 192);
    if (l0 === 255) return buf.subarray(6, 6 + buf.readUInt32BE(2));
    return undefined; // partial lengths are not used for signatures
  }
  const lenType = buf[0]! & 3;
  if (lenType === 0) return buf.subarray(2, 2 + buf[1]!);
  if (lenType === 1) return buf.subarray(3, 3 + buf.readUInt16BE(1));
  if (lenType === 2) return buf.subarray(5, 5 + buf.readUInt32BE(1));
  return buf.subarray(1);
}

interface Subpackets { issuer?: string; fingerprint?: string; fpVersion?: number; created?: number }

function readSubpackets(area: Buffer, into: Subpackets): void {
  let p = 0;
  while (p < area.length) {
    let len = area[p]!;
    if (len < 192) p += 1;
    else if (len < 255) { len = ((len - 192) << 8) + area[p + 1]! + 192; p += 2; }
    else { len = area.readUInt32BE(p + 1); p += 5; }
    if (len < 1 || p + len > area.length) return;
    const type = area[p]! & 0x7f;
    const data = area.subarray(p + 1, p + len);
    if (type === 2 && data.length >= 4) into.created = data.readUInt32BE(0);
    if (type === 16 && data.length >= 8) into.issuer = data.subarray(0, 8).toString('hex');
    if (type === 33 && data.length >= 2) { into.fpVersion = data[0]; into.fingerprint = data.subarray(1).toString('hex'); }
    p += len;
  }
}

/**
 * Describes one binary OpenPGP signature packet, or returns undefined when it cannot be read.
 * @param source signature header tag name the bytes came from.
 */
export function describeSignature(packet: Buffer, source: string): SignatureInfo | undefined {
  const body = packetBody(packet);
  if (!body || body.length < 6) return undefined;
  const version = body[0]!;
  if (version === 3) {
    if (body.length < 19) return undefined;
    return { keyId: body.subarray(7, 15).toString('hex'), algorithm: PUBKEY_ALGO[body[15]!] ?? `algo-${body[15]}`,
      hash: HASH_ALGO[body[16]!] ?? `hash-${body[16]}`, version, created: body.readUInt32BE(3), source };
  }
  if (version !== 4 && version !== 5 && version !== 6) return undefined;
  const wide = version !== 4; // v5/v6 use 4-byte subpacket area lengths
  const sub: Subpackets = {};
  let p = 4;
  for (let area = 0; area < 2; area++) {
    if (p + (wide ? 4 : 2) > body.length) return undefined;
    const len = wide ? body.readUInt32BE(p) : body.readUInt16BE(p);
    p += wide ? 4 : 2;
    readSubpackets(body.subarray(p, p + len), sub);
    p += len;
  }
  let keyId = sub.issuer;
  if (!keyId && sub.fingerprint) keyId = sub.fpVersion === 4 ? sub.fingerprint.slice(-16) : sub.fingerprint.slice(0, 16);
  if (!keyId) return undefined;
  const info: SignatureInfo = { keyId, algorithm: PUBKEY_ALGO[body[2]!] ?? `algo-${body[2]}`, hash: HASH_ALGO[body[3]!] ?? `hash-${body[3]}`, version, source };
  if (sub.fingerprint) info.fingerprint = sub.fingerprint;
  if (sub.created !== undefined) info.created = sub.created;
  return info;
}
