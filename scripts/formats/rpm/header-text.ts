/**
 * Text decoding for header strings. createrepo_c writes valid UTF-8 as is and converts
 * anything else from ISO-8859-1 (src/xml_dump.c `cr_latin1_to_utf8`), dropping C0 controls
 * other than tab/LF/CR and the bytes 0x80-0xBF (observed with Debian's createrepo_c 0.17.3 on
 * its own balicek-iso88592 test package). We do the same so dnf shows the same text, and
 * remember which tags needed it so the build can say so.
 */
// ignoreBOM: a leading U+FEFF stays, as createrepo_c writes valid UTF-8 byte for byte.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes bytes as UTF-8, or as ISO-8859-1 when they are not valid UTF-8; `latin1` tells which. */
export function decodeHeaderText(bytes: Buffer): { text: string; latin1: boolean } {
  try {
    return { text: utf8.decode(bytes), latin1: false };
  } catch {
    let text = '';
    for (const b of bytes) {
      if ((b < 32 && b !== 9 && b !== 10 && b !== 13) || (b >= 0x80 && b < 0xc0)) continue;
      text += String.fromCharCode(b);
    }
    return { text, latin1: true };
  }
}
