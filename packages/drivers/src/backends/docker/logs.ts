/**
 * Docker's multiplexed log stream (no TTY): frames of an 8-byte header — stream type
 * (1 stdout, 2 stderr), three zero bytes, big-endian payload length — then the payload.
 */

/** One demultiplexed chunk. */
export interface LogFrame {
  stream: 'stdout' | 'stderr';
  data: Uint8Array;
}

/**
 * Splits a multiplexed byte stream into frames, buffering partial ones between chunks.
 * @example for await (const frame of demuxFrames(stream)) process.stdout.write(frame.data)
 */
export async function* demuxFrames(chunks: AsyncIterable<Uint8Array>): AsyncIterable<LogFrame> {
  let buf = new Uint8Array(0);
  for await (const chunk of chunks) {
    const joined = new Uint8Array(buf.length + chunk.length);
    joined.set(buf, 0);
    joined.set(chunk, buf.length);
    buf = joined;
    for (;;) {
      if (buf.length < 8) break;
      const size = ((buf[4]! << 24) >>> 0) + (buf[5]! << 16) + (buf[6]! << 8) + buf[7]!;
      if (buf.length < 8 + size) break;
      yield { stream: buf[0] === 2 ? 'stderr' : 'stdout', data: buf.slice(8, 8 + size) };
      buf = buf.slice(8 + size);
    }
  }
}

/**
 * Turns frames into text lines (each stream keeps its own partial line).
 * @example for await (const line of framesToLines(demuxFrames(stream))) console.log(line)
 */
export async function* framesToLines(frames: AsyncIterable<LogFrame>): AsyncIterable<string> {
  const pending = { stdout: '', stderr: '' };
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  for await (const frame of frames) {
    const text = pending[frame.stream] + decoders[frame.stream].decode(frame.data, { stream: true });
    const lines = text.split('\n');
    pending[frame.stream] = lines.pop() ?? '';
    for (const line of lines) yield line.replace(/\r$/, '');
  }
  for (const rest of [pending.stdout, pending.stderr]) if (rest) yield rest;
}
