/**
 * A float whose value is whole (`1.0`, `1e3`), which a JS number cannot tell from the
 * integer `1`. Papermill injects `lr = 1.0` for `-p lr 1.0` (a Python float), so every
 * reader of parameter text (`-p`, YAML, JSON) keeps the lexical form by returning one of
 * these, and every translator writes it as its language's float. A leaf module: the
 * notebook writer imports it too, to write `1.0` in `metadata.nbrun.parameters`.
 */

/**
 * A number to be injected as a float even when it is whole. `valueOf()` is the number, so
 * arithmetic works; `toJSON()` is the number too (plain `JSON.stringify` cannot write
 * `1.0`; nbrun's own writers do).
 * @example new FloatValue(1) // injected as `x = 1.0` in Python, `x = 1.0` in Julia
 */
export class FloatValue {
  constructor(readonly value: number) {
    if (typeof value !== 'number') throw new TypeError(`FloatValue needs a number, got ${typeof value}`);
  }

  valueOf(): number {
    return this.value;
  }

  toJSON(): number {
    return this.value;
  }

  toString(): string {
    return String(this.value);
  }
}

/**
 * Marks a number as a float for injection: `asFloat(1)` is injected as `1.0` (Python,
 * Julia, Scala, C#…), where the plain number `1` would be the integer `1`.
 * @example await runNotebook('nb.ipynb', { parameters: { lr: asFloat(1) } }) // lr = 1.0
 */
export function asFloat(value: number): FloatValue {
  return new FloatValue(value);
}

/**
 * `value` as it was read: a whole float (`1.0`, `1e3`, `1e400` is Infinity and stays a
 * number) becomes a {@link FloatValue}, any other number is already a float.
 * @example markFloat(1) // FloatValue { value: 1 }; markFloat(0.5) // 0.5
 */
export function markFloat(value: number): number | FloatValue {
  return Number.isInteger(value) && !Object.is(value, -0) ? new FloatValue(value) : value;
}
