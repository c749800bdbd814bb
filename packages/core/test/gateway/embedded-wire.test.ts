/**
 * The ZeroMQ wire format: frames, HMAC-SHA256 signatures, and the rejection of unsigned,
 * wrongly signed, tampered or malformed messages.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, signParts } from '../../src/gateway/embedded/wire.js';
import { createMessage } from '../../src/gateway/messages.js';

const key = Buffer.from('a'.repeat(64));
const msg = createMessage('shell', 'execute_request', { code: 'print("é")' }, 'session-1', { parent: { msg_id: 'p1' } });

describe('encodeMessage', () => {
  it('writes delimiter, hex HMAC-SHA256 over the four JSON parts, then the parts', () => {
    const frames = encodeMessage(msg, key);
    expect(frames.map((f) => f.toString())).toEqual([
      '<IDS|MSG>',
      createHmac('sha256', key).update(frames[2]!).update(frames[3]!).update(frames[4]!).update(frames[5]!).digest('hex'),
      JSON.stringify(msg.header),
      '{"msg_id":"p1"}',
      '{}',
      JSON.stringify(msg.content),
    ]);
  });

  it('appends binary buffers as extra frames', () => {
    const frames = encodeMessage({ ...msg, buffers: [new Uint8Array([1, 2]), new Uint8Array([3]).buffer] }, key);
    expect(frames.slice(6).map((f) => [...f])).toEqual([[1, 2], [3]]);
  });

  it('signs nothing with an empty key (Jupyter: authentication off)', () => {
    expect(signParts(Buffer.alloc(0), [Buffer.from('{}')])).toBe('');
  });
});

describe('decodeMessage', () => {
  const good = () => [Buffer.from('routing-id'), ...encodeMessage(msg, key)];

  it('decodes a signed message after its routing identities, keeping buffers', () => {
    const decoded = decodeMessage([...good(), Buffer.from([9])], 'shell', key);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.message).toMatchObject({ channel: 'shell', header: msg.header, parent_header: { msg_id: 'p1' }, metadata: {}, content: msg.content });
    expect(decoded.message.buffers?.map((b) => [...new Uint8Array(b as Uint8Array)])).toEqual([[9]]);
  });

  const tamper = (i: number, value: string) => {
    const frames = good();
    frames[i] = Buffer.from(value);
    return frames;
  };
  it.each([
    { name: 'signed with another key', frames: () => [Buffer.from('id'), ...encodeMessage(msg, Buffer.from('b'.repeat(64)))], reason: 'bad-signature' },
    { name: 'unsigned', frames: () => tamper(2, ''), reason: 'unsigned' },
    { name: 'signature of the wrong length', frames: () => tamper(2, 'abc'), reason: 'bad-signature' },
    { name: 'content changed after signing', frames: () => tamper(6, '{"code":"import os"}'), reason: 'bad-signature' },
    { name: 'header changed after signing', frames: () => tamper(3, '{"msg_type":"x"}'), reason: 'bad-signature' },
    { name: 'no delimiter', frames: () => tamper(1, 'not-a-delimiter'), reason: 'no-delimiter' },
    { name: 'too few frames', frames: () => good().slice(0, 5), reason: 'too-few-frames' },
  ])('rejects a message $name', ({ frames, reason }) => {
    expect(decodeMessage(frames(), 'iopub', key)).toEqual({ ok: false, reason });
  });

  it('rejects a correctly signed part that is not a JSON object', () => {
    const parts = ['{"msg_id":"x"}', '{}', '{}', '[1]'].map((p) => Buffer.from(p));
    const frames = [Buffer.from('<IDS|MSG>'), Buffer.from(signParts(key, parts)), ...parts];
    expect(decodeMessage(frames, 'iopub', key)).toEqual({ ok: false, reason: 'bad-json' });
  });
});

describe('large content parts', () => {
  /** Frames of an iopub stream message whose content is `content` (as ipykernel writes it: name, then text). */
  function streamFrames(content: Buffer): Buffer[] {
    const m = createMessage('iopub', 'stream', {}, 'session-1', { parent: { msg_id: 'p1' } });
    const frames = encodeMessage(m, key);
    frames[5] = content;
    frames[1] = Buffer.from(signParts(key, frames.slice(2, 6)), 'latin1');
    return frames;
  }

  it('decodes a 20 MiB stream text in pieces, cut between escapes and UTF-8 sequences, that join to the text', () => {
    // Escapes (\n, \\, \", \u0001), 2-, 3- and 4-byte UTF-8 and surrogate-pair escapes all around the 8 MiB cuts.
    const unit = 'line \\ "q" é 中 😀 \u0001 \t end\n';
    const text = unit.repeat(Math.ceil((20 * 1024 * 1024) / Buffer.byteLength(unit)));
    const content = Buffer.from(JSON.stringify({ name: 'stdout', text }).replace('"name":', '"name": ').replace(',"text":', ', "text": '));
    const decoded = decodeMessage(streamFrames(content), 'iopub', key);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const all = [decoded.message, ...(decoded.more ?? [])];
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all.every((m) => m.header.msg_type === 'stream' && m.parent_header.msg_id === 'p1' && (m.content as { name: string }).name === 'stdout')).toBe(true);
    expect(all.map((m) => (m.content as { text: string }).text).join('') === text).toBe(true);
  });

  it('cuts safely at every offset around a run of escapes (odd and even backslash runs, \\u escapes)', () => {
    // Pieces are 8 MiB: pad so the escapes straddle the first cut at each of 12 shifts.
    for (let shift = 0; shift < 12; shift++) {
      const text = 'a'.repeat(8 * 1024 * 1024 - 16 + shift) + '\\\\\\"\u0002\u00e9\n'.repeat(4) + 'tail';
      const content = Buffer.from(JSON.stringify({ name: 'stderr', text }));
      const decoded = decodeMessage(streamFrames(content), 'iopub', key);
      if (!decoded.ok) throw new Error('not decoded');
      const joined = [decoded.message, ...(decoded.more ?? [])].map((m) => (m.content as { text: string }).text).join('');
      expect(joined === text, `shift ${shift}`).toBe(true);
    }
  });

  it('a large part of another shape is parsed whole, as before', () => {
    const text = 'x'.repeat(9 * 1024 * 1024);
    const content = Buffer.from(JSON.stringify({ text, name: 'stdout' }));
    const decoded = decodeMessage(streamFrames(content), 'iopub', key);
    if (!decoded.ok) throw new Error('not decoded');
    expect(decoded.more).toBeUndefined();
    expect((decoded.message.content as { text: string }).text.length).toBe(text.length);
  });
});
