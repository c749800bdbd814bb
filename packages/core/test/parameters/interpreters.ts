/**
 * Test helper: evaluates many assignments in one run of a real language runtime and reads
 * every variable back — as lossless JSON (Python, R, Octave), NUL-separated text (Bash) or
 * V8-serialized values (Node). One process per batch keeps the property tests fast.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize } from 'node:v8';
import { type ParameterValue } from '@nbrun/core';
import { parseParameterJson } from '@nbrun/core/parameters';

function run(cmd: string, args: string[], cwd: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, encoding: 'buffer', maxBuffer: 64 << 20, env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stderr.toString('utf8').slice(0, 4000)}`));
      else resolve(stdout);
    });
  });
}

async function withScript<T>(name: string, text: string, go: (dir: string, file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'nbrun-params-'));
  try {
    const file = join(dir, name);
    await writeFile(file, text, 'utf8');
    return await go(dir, file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const lines = (out: Buffer) => out.toString('utf8').split('\n').filter((l) => l.length > 0);

/** Runs `code` (which assigns v0…v{n-1}) with /usr/bin/python3 and reads the variables back. */
export function evalPython(code: string, n: number): Promise<ParameterValue[]> {
  const script = `${code}\nimport json\nfor _i in range(${n}):\n    print(json.dumps(globals()['v%d' % _i], ensure_ascii=True, allow_nan=True))\n`;
  return withScript('check.py', script, async (dir, file) => lines(await run('/usr/bin/python3', [file], dir)).map((l) => parseParameterJson(l)));
}

/** An R printer that writes exact JSON: code points escaped, doubles with 17 digits, lists/named lists apart. */
export const R_JSON_PRINTER = String.raw`
.nbrun_s <- function(s) {
  cps <- utf8ToInt(enc2utf8(s))
  parts <- vapply(cps, function(cp) {
    if (cp == 34) return("\\\"")
    if (cp == 92) return("\\\\")
    if (cp < 32 || cp == 127) return(sprintf("\\u%04x", cp))
    if (cp < 128) return(intToUtf8(cp))
    if (cp > 65535) { v <- cp - 65536; return(sprintf("\\u%04x\\u%04x", 55296 + v %/% 1024, 56320 + v %% 1024)) }
    sprintf("\\u%04x", cp)
  }, character(1))
  paste0("\"", paste(parts, collapse = ""), "\"")
}
.nbrun_j <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    inner <- vapply(x, .nbrun_j, character(1), USE.NAMES = FALSE)
    nm <- names(x)
    if (is.null(nm)) return(paste0("[", paste(inner, collapse = ","), "]"))
    if (length(x) == 0) return("{}")
    keys <- vapply(nm, .nbrun_s, character(1), USE.NAMES = FALSE)
    return(paste0("{", paste(paste0(keys, ":", inner), collapse = ","), "}"))
  }
  if (length(x) != 1) stop("not a scalar: ", deparse(x))
  if (is.logical(x)) return(if (x) "true" else "false")
  if (is.integer(x)) return(paste0(as.character(x)))
  if (is.double(x)) {
    if (is.nan(x)) return("NaN")
    if (is.infinite(x)) return(if (x > 0) "Infinity" else "-Infinity")
    s <- sprintf("%.17g", x)
    return(if (grepl("[.e]", s)) s else paste0(s, ".0"))
  }
  if (is.character(x)) return(.nbrun_s(x))
  stop("unexpected type: ", typeof(x))
}
`;

/** Runs `code` with Rscript and reads v0…v{n-1} back. */
export function evalR(code: string, n: number): Promise<ParameterValue[]> {
  const script = `${code}\n${R_JSON_PRINTER}\nfor (.i in seq_len(${n}) - 1) cat(.nbrun_j(get(paste0("v", .i))), "\\n", sep = "")\n`;
  return withScript('check.R', script, async (dir, file) => lines(await run('Rscript', ['--vanilla', file], dir)).map((l) => parseParameterJson(l)));
}

/** An Octave printer that writes exact JSON (char arrays as their UTF-8 bytes). */
export const OCTAVE_JSON_PRINTER = String.raw`
function out = nbrun_s(s)
  b = double(s(:)');
  out = '"';
  for c = b
    if c == 34
      out = [out '\"'];
    elseif c == 92
      out = [out '\\'];
    elseif c < 32 || c == 127
      out = [out sprintf('\\u%04x', c)];
    else
      out = [out char(c)];
    end
  end
  out = [out '"'];
end
function out = nbrun_u(x)
  % sprintf('%d') rounds a uint64 beyond int64 through a double: spell the digits exactly.
  out = '';
  if x == 0, out = '0'; end
  while x > 0
    out = [char(48 + double(mod(x, uint64(10)))) out];
    % idivide() goes through a double near intmax('uint64'); an exact multiple of 10 divides exactly.
    x = (x - mod(x, uint64(10))) / uint64(10);
  end
end
function out = nbrun_j(x)
  if iscell(x)
    parts = cellfun(@nbrun_j, x, 'UniformOutput', false);
    out = ['[' strjoin(parts, ',') ']'];
  elseif isstruct(x)
    f = fieldnames(x);
    parts = cell(1, numel(f));
    for i = 1:numel(f)
      parts{i} = [nbrun_s(f{i}) ':' nbrun_j(x.(f{i}))];
    end
    out = ['{' strjoin(parts, ',') '}'];
  elseif isa(x, 'containers.Map')
    k = keys(x);
    parts = cell(1, numel(k));
    for i = 1:numel(k)
      parts{i} = [nbrun_s(k{i}) ':' nbrun_j(x(k{i}))];
    end
    out = ['{' strjoin(parts, ',') '}'];
  elseif ischar(x)
    out = nbrun_s(x);
  elseif islogical(x)
    if x, out = 'true'; else, out = 'false'; end
  elseif isa(x, 'uint64')
    out = nbrun_u(x);
  elseif isinteger(x)
    out = sprintf('%d', x);
  elseif isnumeric(x) && isempty(x)
    out = 'null';
  elseif isnan(x)
    out = 'NaN';
  elseif isinf(x)
    if x > 0, out = 'Infinity'; else, out = '-Infinity'; end
  else
    out = sprintf('%.17g', x);
    if ~any(out == '.' | out == 'e'), out = [out '.0']; end
  end
end
`;

/** Runs `code` with octave-cli and reads v0…v{n-1} back. */
export function evalOctave(code: string, n: number): Promise<ParameterValue[]> {
  const script = `1;\n${OCTAVE_JSON_PRINTER}\n${code}\nfor nbrun_i = 0:${n - 1}\n  fputs(stdout, [nbrun_j(eval(sprintf('v%d', nbrun_i))) "\\n"]);\nend\n`;
  return withScript('check.m', script, async (dir, file) =>
    lines(await run('octave-cli', ['--no-gui', '--quiet', '--no-init-file', file], dir)).map((l) => parseParameterJson(l)),
  );
}

/** What a bash variable holds: a string, an indexed array, or an associative array. */
export type BashVariable = { type: 's'; text: string } | { type: 'a'; items: string[] } | { type: 'A'; entries: Record<string, string> };

/** Runs `code` with bash and reads the variables back. */
export function evalBash(code: string, names: string[]): Promise<BashVariable[]> {
  const printer = String.raw`
__nbrun_p() {
  local d; d=$(declare -p "$1" 2>/dev/null)
  case "$d" in
    "declare -a"*) local -n __r=$1; printf 'a\0%s\0' "${"$"}{#__r[@]}"; if ((${"$"}{#__r[@]})); then printf '%s\0' "${"$"}{__r[@]}"; fi ;;
    "declare -A"*) local -n __r=$1; printf 'A\0%s\0' "${"$"}{#__r[@]}"; local k; for k in "${"$"}{!__r[@]}"; do printf '%s\0%s\0' "$k" "${"$"}{__r[$k]}"; done ;;
    *) printf 's\0%s\0' "${"$"}{!1}" ;;
  esac
}`;
  const script = `${code}\n${printer}\nfor __v in ${names.join(' ')}; do __nbrun_p "$__v"; done\n`;
  return withScript('check.sh', script, async (dir, file) => {
    const parts = (await run('bash', [file], dir)).toString('utf8').split('\0');
    const out: BashVariable[] = [];
    let i = 0;
    while (out.length < names.length) {
      const type = parts[i++];
      if (type === 's') out.push({ type, text: parts[i++]! });
      else if (type === 'a') {
        const n = Number(parts[i++]);
        out.push({ type, items: parts.slice(i, i + n) });
        i += n;
      } else if (type === 'A') {
        const n = Number(parts[i++]);
        const entries: Record<string, string> = {};
        for (let j = 0; j < n; j++) {
          Object.defineProperty(entries, parts[i + 2 * j]!, { value: parts[i + 2 * j + 1]!, enumerable: true, writable: true, configurable: true });
        }
        out.push({ type, entries });
        i += 2 * n;
      } else throw new Error(`bash printer: unexpected '${type}'`);
    }
    return out;
  });
}

/** Runs `code` with node and reads v0…v{n-1} back as V8-serialized values (bigint, NaN, -0 kept). */
export function evalNode(code: string, n: number): Promise<unknown[]> {
  const script = `${code}\nprocess.stdout.write(require('node:v8').serialize([${Array.from({ length: n }, (_, i) => `v${i}`).join(', ')}]).toString('base64'));\n`;
  return withScript('check.cjs', script, async (dir, file) => deserialize(Buffer.from((await run('node', [file], dir)).toString('utf8'), 'base64')) as unknown[]);
}
