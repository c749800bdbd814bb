/**
 * The small glob dialect of `--deps`: `*` and `?` within one path segment, `**` across
 * segments, `[abc]` character classes and `{a,b}` alternatives. Paths use `/`.
 */

/**
 * True when the pattern has glob syntax (otherwise it names one file or directory).
 * @example isGlobPattern('*.py') // true
 */
export function isGlobPattern(pattern: string): boolean {
  return /[*?[{]/.test(pattern);
}

/**
 * Compiles a glob to a RegExp matching whole relative paths (`/`-separated).
 * A leading `*` never matches a dot-file, like the shell.
 * @example globToRegExp('utils/**').test('utils/a/b.py') // true
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  let i = 0;
  let braces = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    const atSegmentStart = i === 0 || pattern[i - 1] === '/';
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const slashAfter = pattern[i + 2] === '/';
        // `**/` matches zero or more whole directories; a final `**` matches everything below.
        re += slashAfter ? '(?:[^/]+/)*' : '.*';
        i += slashAfter ? 3 : 2;
        continue;
      }
      re += atSegmentStart ? '(?!\\.)[^/]*' : '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
      } else {
        const body = pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) {
      re += '|';
    } else {
      re += c.replace(/[.+^$()|\\]/g, '\\$&');
    }
    i++;
  }
  return new RegExp(`^${re}$`);
}
