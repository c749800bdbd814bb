import { describe, expect, it } from 'vitest';
import { demuxFrames, framesToLines } from '../../../src/backends/docker/logs.js';

/** One frame as the engine writes it: type, 3 zero bytes, big-endian length, payload. */
function frame(stream: 1 | 2, text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + payload.length);
  out[0] = stream;
  new DataView(out.buffer).setUint32(4, payload.length);
  out.set(payload, 8);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('demuxFrames and framesToLines', () => {
  const bytes = concat(frame(1, 'cell 1 start\ncell 1 en'), frame(2, 'warning: é\n'), frame(1, 'd\r\n'), frame(1, 'no newline'));

  it.each([1, 3, 8, 1000])('gives the same lines whatever the chunk size (%d bytes)', async (size) => {
    expect(await collect(framesToLines(demuxFrames(chunked(bytes, size))))).toEqual([
      'cell 1 start',
      'warning: é',
      'cell 1 end',
      'no newline',
    ]);
  });

  it('tells stdout from stderr', async () => {
    const frames = await collect(demuxFrames(chunked(bytes, 5)));
    expect(frames.map((f) => f.stream)).toEqual(['stdout', 'stderr', 'stdout', 'stdout']);
  });

  it('gives the same frames when the stream is cut in two at any byte (headers split included)', async () => {
    const whole = await collect(demuxFrames(chunked(bytes, bytes.length)));
    for (let cut = 1; cut < bytes.length; cut++) {
      async function* twoChunks(): AsyncIterable<Uint8Array> {
        yield bytes.slice(0, cut);
        yield bytes.slice(cut);
      }
      const frames = await collect(demuxFrames(twoChunks()));
      expect(frames, `cut at byte ${cut}`).toEqual(whole);
    }
    expect(whole.map((f) => new TextDecoder().decode(f.data))).toEqual(['cell 1 start\ncell 1 en', 'warning: é\n', 'd\r\n', 'no newline']);
  });

  it('reads a header that arrives across three chunks, and an empty frame', async () => {
    const empty = frame(2, '');
    const next = frame(1, 'after\n');
    async function* chunks(): AsyncIterable<Uint8Array> {
      yield concat(empty, next.slice(0, 2));
      yield next.slice(2, 5);
      yield next.slice(5, 9);
      yield next.slice(9);
    }
    const frames = await collect(demuxFrames(chunks()));
    expect(frames.map((f) => [f.stream, new TextDecoder().decode(f.data)])).toEqual([['stderr', ''], ['stdout', 'after\n']]);
  });

  it('keeps a multi-byte character split across two frames whole', async () => {
    const e = new TextEncoder().encode('é\n');
    const split = concat(frame(1, ''), new Uint8Array([1, 0, 0, 0, 0, 0, 0, 1, e[0]!, 1, 0, 0, 0, 0, 0, 0, 2, e[1]!, e[2]!]));
    expect(await collect(framesToLines(demuxFrames(chunked(split, 3))))).toEqual(['é']);
  });

  it('handles a payload longer than 65535 bytes (4-byte length)', async () => {
    const long = 'x'.repeat(70_000);
    expect(await collect(framesToLines(demuxFrames(chunked(frame(1, long + '\n'), 4096))))).toEqual([long]);
  });
});
