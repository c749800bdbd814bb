/**
 * Strict UTF-8 decoding, as Python's `bytes.decode('utf-8')` (what nbformat reads notebooks
 * with): invalid bytes are an error at a byte offset, never silently replaced by U+FFFD.
 */

/** Where and why bytes are not UTF-8. */
export class Utf8Issue extends Error {
  constructor(
    /** 0-based offset of the first byte that is not part of a valid sequence. */
    readonly offset: number,
    /** Python's wording: `invalid start byte`, `invalid continuation byte`, `unexpected end of data`. */
    readonly reason: string,
    /** The byte at `offset`. */
    readonly byte: number,
  ) {
    super(`byte 0x${byte.toString(16).padStart(2, '0')} at offset ${offset}: ${reason}`);
  }
}

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes UTF-8 bytes (a byte order mark is kept as U+FEFF), throwing a {@link Utf8Issue}
 * with the offset of the first invalid byte.
 * @example decodeUtf8Strict(Buffer.from([0x61, 0xff])) // throws Utf8Issue { offset: 1, reason: 'invalid start byte' }
 */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    throw findUtf8Issue(bytes) ?? new Utf8Issue(0, 'invalid UTF-8', bytes[0] ?? 0);
  }
}

/**
 * The first invalid sequence in `bytes`, or undefined when they are valid UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF — what Python refuses too).
 * @example findUtf8Issue(Buffer.from('é')) // undefined
 */
export function findUtf8Issue(bytes: Uint8Array): Utf8Issue | undefined {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let min = 0x80;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) min = 0xa0; // overlong
      if (b === 0xed) max = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) min = 0x90; // overlong
      if (b === 0xf4) max = 0x8f; // beyond U+10FFFF
    } else {
      return new Utf8Issue(i, 'invalid start byte', b);
    }
    for (let k = 1; k < length; k++) {
      if (i + k >= n) return new Utf8Issue(i, 'unexpected end of data', b);
      const c = bytes[i + k]!;
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (c < lo || c > hi) return new Utf8Issue(i, 'invalid continuation byte', b);
    }
    i += length;
  }
  return undefined;
}
