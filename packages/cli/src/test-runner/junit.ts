/** JUnit XML for CI systems: one testsuite, one testcase per notebook. */
import { hostname } from 'node:os';
import type { NotebookOutcome } from './run-suite.js';

// Characters XML 1.0 cannot hold at all (even escaped); control characters are the point here.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/**
 * Escapes text for an XML attribute or element.
 * @example escapeXml('a < "b"') // 'a &lt; &quot;b&quot;'
 */
export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

/**
 * The JUnit XML document of a suite: `<testsuites><testsuite><testcase>` with `<failure>`
 * (message = the one-line reason, type = the error name or `timeout`, body = the
 * traceback) and `<skipped>`. `name` is the notebook's path as shown, `classname` its folder.
 * @example await writeFileAtomic('junit.xml', renderJUnit(suite.outcomes, startedAt, suite.durationMs));
 */
export function renderJUnit(outcomes: readonly NotebookOutcome[], startedAt: Date, durationMs: number): string {
  const failures = outcomes.filter((o) => o.status === 'fail' || o.status === 'timeout').length;
  const skipped = outcomes.filter((o) => o.status === 'skip').length;
  const counts = `tests="${outcomes.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${secs(durationMs)}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="nbrun test" ${counts}>`,
    `  <testsuite name="nbrun test" ${counts} timestamp="${startedAt.toISOString().slice(0, 19)}" hostname="${escapeXml(hostname())}">`,
  ];
  for (const o of outcomes) {
    const folder = o.display.includes('/') ? o.display.slice(0, o.display.lastIndexOf('/')) : '.';
    const open = `    <testcase classname="${escapeXml(folder.replace(/\//g, '.'))}" name="${escapeXml(o.display)}" file="${escapeXml(o.display)}" time="${secs(o.durationMs)}"`;
    if (o.status === 'pass') {
      lines.push(`${open}/>`);
    } else if (o.status === 'skip') {
      lines.push(`${open}>`, `      <skipped message="${escapeXml(o.message ?? 'skipped')}"/>`, '    </testcase>');
    } else {
      const type = o.status === 'timeout' ? 'timeout' : (o.ename ?? o.code ?? 'failure');
      lines.push(
        `${open}>`,
        `      <failure message="${escapeXml(o.message ?? '')}" type="${escapeXml(type)}">${escapeXml(o.details ?? o.message ?? '')}</failure>`,
        '    </testcase>',
      );
    }
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
