/**
 * `-y` / `-f` YAML read as papermill reads it (issue 11 item 5): PyYAML's SafeLoader without
 * timestamps, YAML 1.1. Differential: every scalar below goes through the real PyYAML
 * (Debian's python3-yaml, papermill's `NoDatesSafeLoader`) and through nbrun, and the typed
 * results must be the same — booleans, octal, sexagesimal, `~`, floats that need a dot.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FloatValue, ParameterError, asFloat } from '@nbrun/core';
import { formatPythonFloat } from '@nbrun/core/notebook';
import { parseParametersYaml } from '../src/parameters-args.js';

const run = promisify(execFile);

const SCALARS = [
  // booleans and null
  'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'true', 'True', 'TRUE', 'false', 'False',
  'FALSE', 'y', 'Y', 'n', 'N', 'yEs', 'oN', '~', 'null', 'Null', 'NULL', 'nUll', '', 'None',
  // integers
  '0', '-0', '+0', '7', '-7', '+7', '1_000', '1__0', '007', '017', '019', '0_7', '00', '0b1010', '-0b11', '0b1_0', '0x1F', '-0xff',
  '0x_1', '0o17', '1:30', '-1:30', '190:20:30', '1:60', '1:5', '12345678901234567890', '-9007199254740993', '9007199254740991',
  // floats
  '1.0', '-1.0', '1.', '.5', '-.5', '+.5', '1.5', '0.1', '1_0.5', '1.0e+3', '1.0e3', '1.0E-3', '1e3', '1e-3', '1E+3', '.5e+1',
  '1.e+5', '6.8523015e+5', '1:30.5', '190:20:30.15', '-1:30.0', '.inf', '-.inf', '+.inf', '.Inf', '.INF', '.nan', '.NaN',
  '.NAN', '-.nan', 'inf', 'nan', 'NaN', '1e400', '1.0e+400', '0.0', '-0.0', '3.14159265358979323846',
  // strings (including ones YAML 1.2 would read as numbers or dates)
  '2001-12-14', '2001-12-14t21:59:43.10-05:00', '0o7', '1_', '_1', '12abc', 'a b', '"quoted 1.0"', "'1'", '=', 'x:y',
];

type Typed = [type: string, repr: string];

/** What PyYAML makes of `x: <scalar>`, as [Python type, repr/str]. */
async function pyyaml(scalars: string[]): Promise<Typed[]> {
  const script = `
import json, sys, yaml
class NoDatesSafeLoader(yaml.SafeLoader):
    yaml_implicit_resolvers = {k: [r for r in v if r[0] != 'tag:yaml.org,2002:timestamp'] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
out = []
for s in json.load(sys.stdin):
    try:
        v = yaml.load('x: ' + s, Loader=NoDatesSafeLoader)['x']
    except Exception as e:
        out.append(['error', type(e).__name__]); continue
    t = type(v).__name__
    out.append([t, repr(v) if t == 'float' else str(v)])
print(json.dumps(out))
`;
  const child = run('/usr/bin/python3', ['-c', script], { timeout: 60_000 });
  child.child.stdin!.end(JSON.stringify(scalars));
  return JSON.parse((await child).stdout) as Typed[];
}

/** What nbrun makes of it, in the same terms. */
function nbrun(scalar: string): Typed {
  let v: unknown;
  try {
    v = parseParametersYaml(`x: ${scalar}`, '-y').x;
  } catch (err) {
    return ['error', (err as Error).constructor.name];
  }
  if (v === null) return ['NoneType', 'None'];
  if (typeof v === 'boolean') return ['bool', v ? 'True' : 'False'];
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0))) return ['int', String(v)];
  const repr = (n: number) => (Number.isNaN(n) ? 'nan' : n === Infinity ? 'inf' : n === -Infinity ? '-inf' : formatPythonFloat(n));
  if (v instanceof FloatValue) return ['float', repr(v.value)];
  if (typeof v === 'number') return ['float', repr(v)];
  return ['str', String(v)];
}

describe('YAML parameters are read as PyYAML reads them (papermill)', () => {
  it('every scalar resolves to the same type and value as in PyYAML', async () => {
    const want = await pyyaml(SCALARS);
    const got = SCALARS.map(nbrun);
    // Both sides fail on the few texts PyYAML cannot construct (`0x_1`): compare "an error" only.
    const norm = (t: Typed): Typed => (t[0] === 'error' ? ['error', ''] : t);
    expect(SCALARS.map((s, i) => [s, ...norm(got[i]!)])).toEqual(SCALARS.map((s, i) => [s, ...norm(want[i]!)]));
  });

  it('keeps whole floats floats and integers exact', () => {
    expect(parseParametersYaml('lr: 1.0\nn: 12345678901234567890\nf: 1.0e+3\nflag: off\nt: 1:30', '-y')).toEqual({
      lr: asFloat(1), n: 12345678901234567890n, f: asFloat(1000), flag: false, t: 90,
    });
  });

  it('reads explicit tags as PyYAML constructs them, and refuses the ones it does not read', () => {
    expect(parseParametersYaml('a: !!float 3\nb: !!int "7"\nc: !!str 1.0\nd: !!bool Yes\ne: !!null x', '-y')).toEqual({
      a: asFloat(3), b: 7, c: '1.0', d: true, e: null,
    });
    expect(() => parseParametersYaml('s: !!set {a, b}', '-y')).toThrow(ParameterError);
    expect(() => parseParametersYaml('s: !!set {a, b}', '-y')).toThrow(/^-y: not valid YAML: Unresolved tag: tag:yaml.org,2002:set/);
    expect(() => parseParametersYaml('d: !!timestamp 2001-12-14', '-y')).toThrow(/Unresolved tag/);
  });

  it('merges << keys, as PyYAML does', () => {
    expect(parseParametersYaml('base: &b {lr: 0.1, n: 2}\nrun:\n  <<: *b\n  n: 3', '-y')).toEqual({
      base: { lr: 0.1, n: 2 }, run: { lr: 0.1, n: 3 },
    });
  });
});
