/**
 * Stream text spilled to disk while a run writes to a file, so memory does not grow with
 * the output: one append-only temporary file per run, unlinked as soon as it is opened
 * (the system frees it on any exit, SIGKILL included), holding segments of the text of
 * the stream outputs that grew past {@link SPILL_AFTER_CHARS}. The notebook writer reads
 * the segments back about 1 MiB at a time; nothing ever holds the whole text.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { findLoneSurrogate } from '../parameters/values.js';

/** A stream output keeps up to about this many characters in memory; more goes to the spill file. */
export const SPILL_AFTER_CHARS = 1 << 20;

/** Bytes read back at a time (even: a UTF-16 segment's chunks end on a code unit). */
const READ_BYTES = 1 << 20;

const SURROGATE = /[\ud800-\udfff]/;

/** Where one appended piece of text is in the spill file. */
interface Segment {
  offset: number;
  bytes: number;
  /** UTF-8, or UTF-16LE for text with a lone surrogate (UTF-8 cannot hold one; the writer escapes it as `\udXXX`). */
  encoding: 'utf8' | 'utf16le';
}

/** The text of one stream output: older text as segments of the spill file, the rest in memory. */
export interface SpilledText {
  readonly segments: Segment[];
}

/**
 * The spill file of one run. Opened at the first spill; {@link close} frees it.
 * @example
 * const spill = new SpillFile();
 * const text = spill.newText();
 * spill.append(text, ['0 loss=0.123456\n']);
 * for (const chunk of spill.read(text)) sink(chunk);
 * spill.close();
 */
export class SpillFile {
  private fd: number | undefined;
  /** Set when the file could not be unlinked while open (Windows): removed at close. */
  private path: string | undefined;
  private size = 0;
  private closed = false;

  constructor(private readonly dir: string = tmpdir()) {}

  /** A new, empty text kept in this file. */
  newText(): SpilledText {
    return { segments: [] };
  }

  /** True once {@link close} ran: segments can no longer be read. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Appends `pieces` (in order) to the file as the next segments of `to`. Strings go to the
   * file as they are (encoded by the write itself): no joined copy, no Buffer to collect.
   */
  append(to: SpilledText, pieces: readonly string[]): void {
    if (this.closed) throw new Error('the spill file of this run is closed');
    const fd = this.open();
    for (const text of pieces) {
      if (text === '') continue;
      const encoding = !SURROGATE.test(text) || findLoneSurrogate(text) === -1 ? 'utf8' : 'utf16le';
      const bytes = Buffer.byteLength(text, encoding);
      let written = fs.writeSync(fd, text, this.size, encoding);
      // A short write (rare, a full disk gives an error instead): the rest from a Buffer.
      if (written < bytes) {
        const buf = Buffer.from(text, encoding);
        while (written < bytes) written += fs.writeSync(fd, buf, written, bytes - written, this.size + written);
      }
      const last = to.segments[to.segments.length - 1];
      // Consecutive pieces of one encoding make one segment (one decoder when read back).
      if (last && last.encoding === encoding && last.offset + last.bytes === this.size) last.bytes += bytes;
      else to.segments.push({ offset: this.size, bytes, encoding });
      this.size += bytes;
    }
  }

  /** The text of `from`, decoded about 1 MiB at a time. */
  *read(from: SpilledText): Generator<string> {
    if (this.closed) throw new Error('the spill file of this run is closed');
    if (from.segments.length === 0 || this.fd === undefined) return;
    const fd = this.fd;
    const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, Math.max(...from.segments.map((s) => s.bytes))));
    for (const seg of [...from.segments]) {
      const decoder = new StringDecoder(seg.encoding);
      for (let done = 0; done < seg.bytes; ) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, seg.bytes - done), seg.offset + done);
        if (n === 0) throw new Error('the spill file of this run is shorter than what was written to it');
        done += n;
        const text = decoder.write(n === buf.length ? buf : buf.subarray(0, n));
        if (text) yield text;
      }
      const rest = decoder.end();
      if (rest) yield rest;
    }
  }

  /** Frees the file (idempotent); texts kept in it can no longer be read. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // Already closed by the system at exit: nothing to free.
      }
      this.fd = undefined;
    }
    if (this.path) fs.rmSync(this.path, { force: true });
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    const path = join(this.dir, `nbrun-spill-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    // Private to this user, never an existing file (a planted symlink is refused by O_EXCL).
    this.fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    try {
      fs.unlinkSync(path);
    } catch {
      this.path = path;
    }
    return this.fd;
  }
}
