/** Small text helpers shared by the renderers. */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML content and attribute values (quoted with `"` or `'`).
 * @example escapeHtml('<a href="x">') // '&lt;a href=&quot;x&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  return /[&<>"']/.test(text) ? text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!) : text;
}

/**
 * A notebook's multiline string: nbformat allows a string or a list of lines.
 * @example multiline(['a\n', 'b']) // 'a\nb'
 */
export function multiline(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : String(v))).join('');
  return value == null ? '' : String(value);
}

/** A plain object, or undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Seconds for people: `0.004 s`, `1.2 s`, `3 min 05 s`, `2 h 01 min`.
 * @example formatDuration(65.3) // '1 min 05 s'
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 0.01) return `${(seconds * 1000).toFixed(0)} ms`;
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * Base64 text (whitespace removed) when it holds nothing but base64 characters, else undefined:
 * what may go into a `data:` URL as is. (A search for one bad character: a full-match regex
 * takes ~1 ms per 100 kB figure.)
 * @example cleanBase64('iVBO\nRw==') // 'iVBORw=='
 */
export function cleanBase64(text: string): string | undefined {
  const base64 = /\s/.test(text) ? text.replace(/\s+/g, '') : text;
  return /[^A-Za-z0-9+/=]/.test(base64) ? undefined : base64;
}

/**
 * A percent-encoded URL part decoded, or as it is when it is not valid percent-encoding.
 * @example safeDecode('a%20b.png') // 'a b.png'
 */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
