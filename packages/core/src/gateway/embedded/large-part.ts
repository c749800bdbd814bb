/**
 * Content parts too large to be one JavaScript string: a kernel can print 600 MB in one
 * message, and V8 strings stop at 2^29 - 24 characters (~512 MiB). A `stream` message's
 * text is decoded in ~8 MiB pieces straight from the frame (one message per piece, which
 * the output area joins again); anything else that cannot be decoded becomes a loud
 * stderr output naming the size, never a silent drop.
 */

/** Content parts above this many bytes are decoded piecewise when they are stream messages. */
export const LARGE_PART_BYTES = 8 * 1024 * 1024;
const PIECE_BYTES = 8 * 1024 * 1024;

const STREAM_HEAD = /^\{\s*"name"\s*:\s*"(stdout|stderr)"\s*,\s*"text"\s*:\s*"/;

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * The text of a large `{"name": "stdout", "text": "…"}` part in pieces of about 8 MiB, or
 * undefined when the part has another shape (then it is parsed whole, if it can be).
 * @example streamPieces(frame) // { name: 'stdout', pieces: ['0\n1\n…', …] }
 */
export function streamPieces(part: Buffer): { name: string; pieces: string[] } | undefined {
  const head = STREAM_HEAD.exec(part.subarray(0, 256).toString('latin1'));
  if (!head) return undefined;
  let end = part.length - 1;
  while (end > 0 && isSpace(part[end])) end--;
  if (part[end] !== 0x7d /* } */) return undefined;
  end--;
  while (end > 0 && isSpace(part[end])) end--;
  if (part[end] !== 0x22 /* " */) return undefined;
  const start = head[0].length; // the head is ASCII: bytes = characters
  const pieces: string[] = [];
  try {
    for (let at = start; at < end; ) {
      const cut = at + PIECE_BYTES >= end ? end : safeCut(part, at, at + PIECE_BYTES);
      pieces.push(JSON.parse('"' + part.subarray(at, cut).toString('utf8') + '"') as string);
      at = cut;
    }
  } catch {
    return undefined;
  }
  return { name: head[1]!, pieces };
}

/** A cut near `cut` that splits neither a UTF-8 sequence nor a JSON escape (`\n`, `\uXXXX`). */
function safeCut(part: Buffer, from: number, cut: number): number {
  let c = cut;
  while (c > from && (part[c]! & 0xc0) === 0x80) c--;
  // The nearest backslash within an escape's length before the cut, if it starts an escape reaching past it.
  for (let p = c - 1; p >= Math.max(from, c - 6); p--) {
    if (part[p] !== 0x5c /* \ */) continue;
    let run = 1;
    while (p - run >= from && part[p - run] === 0x5c) run++;
    if (run % 2 === 1) {
      const length = part[p + 1] === 0x75 /* u */ ? 6 : 2;
      if (p + length > c) c = p;
    }
    break;
  }
  return c > from ? c : cut;
}

/** The stderr text shown in place of a part that could not be read. */
export function unreadablePartText(bytes: number): string {
  const mb = (bytes / 1e6).toFixed(0);
  return `\n[nbrun] an output message of ${mb} MB could not be read (larger than the ~512 MiB a JavaScript string can hold) and was dropped; print less at once\n`;
}
