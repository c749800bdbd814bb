/**
 * The Jupyter ZeroMQ wire format: `[identities..., '<IDS|MSG>', signature, header,
 * parent_header, metadata, content, ...buffers]`, signed with HMAC-SHA256 (hex) over the
 * four JSON parts. One JSON.parse per part, no copies of the frames.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel, JupyterMessage, MessageHeader } from '../messages.js';
import { LARGE_PART_BYTES, streamPieces, unreadablePartText } from './large-part.js';

const DELIMITER = Buffer.from('<IDS|MSG>', 'latin1');
const EMPTY_OBJECT_JSON = Buffer.from('{}', 'latin1');
const EMPTY = Buffer.alloc(0);
const SIGNATURE_HEX_LENGTH = 64;

/** Why a received message was dropped. */
export type WireRejection = 'no-delimiter' | 'too-few-frames' | 'unsigned' | 'bad-signature' | 'bad-json';

/**
 * The result of decoding frames: a message, or why it was dropped. A stream message too large
 * for one string comes as several (`more`), each with a piece of the text, in order.
 */
export type DecodeResult = { ok: true; message: JupyterMessage; more?: JupyterMessage[] } | { ok: false; reason: WireRejection };

/**
 * Signs the four JSON parts of a message with the connection key (hex HMAC-SHA256).
 * An empty key means "no authentication", as in Jupyter, and gives an empty signature.
 * @example const sig = signParts(key, [header, parent, metadata, content])
 */
export function signParts(key: Buffer, parts: readonly Uint8Array[]): string {
  if (key.length === 0) return '';
  const hmac = createHmac('sha256', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest('hex');
}

/**
 * Serializes and signs a message into the frames to send on a Dealer socket.
 * @example await dealer.send(encodeMessage(msg, key))
 */
export function encodeMessage(msg: JupyterMessage<object>, key: Buffer): Buffer[] {
  const header = Buffer.from(JSON.stringify(msg.header));
  const parent = encodeObject(msg.parent_header);
  const metadata = encodeObject(msg.metadata);
  const content = encodeObject(msg.content);
  const signature = Buffer.from(signParts(key, [header, parent, metadata, content]), 'latin1');
  const frames = [DELIMITER, signature, header, parent, metadata, content];
  if (msg.buffers) for (const b of msg.buffers) frames.push(toBuffer(b));
  return frames;
}

/**
 * Decodes received frames into a message after checking its signature (timing-safe).
 * Unsigned or wrongly signed messages are rejected, never parsed.
 * @example const r = decodeMessage(frames, 'iopub', key); if (r.ok) handle(r.message)
 */
export function decodeMessage(frames: readonly Buffer[], channel: Channel, key: Buffer): DecodeResult {
  const at = findDelimiter(frames);
  if (at < 0) return { ok: false, reason: 'no-delimiter' };
  if (frames.length < at + 6) return { ok: false, reason: 'too-few-frames' };
  const signature = frames[at + 1] as Buffer;
  const header = frames[at + 2] as Buffer;
  const parent = frames[at + 3] as Buffer;
  const metadata = frames[at + 4] as Buffer;
  const content = frames[at + 5] as Buffer;
  if (key.length > 0) {
    if (signature.length === 0) return { ok: false, reason: 'unsigned' };
    if (signature.length !== SIGNATURE_HEX_LENGTH) return { ok: false, reason: 'bad-signature' };
    const expected = Buffer.from(signParts(key, [header, parent, metadata, content]), 'latin1');
    if (!timingSafeEqual(expected, signature)) return { ok: false, reason: 'bad-signature' };
  }
  let message: JupyterMessage;
  try {
    message = {
      channel,
      header: parseObject(header) as MessageHeader,
      parent_header: parseObject(parent) as Partial<MessageHeader>,
      metadata: parseObject(metadata),
      content: {},
    };
  } catch {
    return { ok: false, reason: 'bad-json' };
  }
  if (frames.length > at + 6) message.buffers = frames.slice(at + 6);
  if (content.length > LARGE_PART_BYTES && message.header.msg_type === 'stream') {
    const stream = streamPieces(content);
    if (stream) {
      const [first = '', ...rest] = stream.pieces;
      message.content = { name: stream.name, text: first };
      return { ok: true, message, more: rest.map((text) => ({ ...message, content: { name: stream.name, text } })) };
    }
  }
  try {
    message.content = parseObject(content);
  } catch (err) {
    // Valid JSON too large for one string: shown where the output would have been, never silently dropped.
    if (channel === 'iopub' && err instanceof Error && /string longer than|Invalid string length/.test(err.message)) {
      message.header = { ...message.header, msg_type: 'stream' };
      message.content = { name: 'stderr', text: unreadablePartText(content.length) };
      return { ok: true, message };
    }
    return { ok: false, reason: 'bad-json' };
  }
  return { ok: true, message };
}

function findDelimiter(frames: readonly Buffer[]): number {
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i] as Buffer;
    if (f.length === DELIMITER.length && f.equals(DELIMITER)) return i;
  }
  return -1;
}

// `{}` is by far the most common metadata/parent: skip the JSON parser for it.
function parseObject(buf: Buffer): Record<string, unknown> {
  if (buf.length === 2 && buf[0] === 0x7b && buf[1] === 0x7d) return {};
  const value: unknown = JSON.parse(buf.toString('utf8'));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('not a JSON object');
  return value as Record<string, unknown>;
}

function encodeObject(value: object | undefined): Buffer {
  if (value === undefined) return EMPTY_OBJECT_JSON;
  const json = JSON.stringify(value);
  return json === '{}' ? EMPTY_OBJECT_JSON : Buffer.from(json);
}

function toBuffer(b: ArrayBuffer | ArrayBufferView): Buffer {
  if (Buffer.isBuffer(b)) return b;
  if (ArrayBuffer.isView(b)) return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return b.byteLength ? Buffer.from(b) : EMPTY;
}
