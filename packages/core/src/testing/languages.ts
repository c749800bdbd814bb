/**
 * How `value()` and `call()` talk to a kernel of each language: the code that evaluates
 * an expression and publishes it as JSON (a display_data of {@link VALUE_MIME}), and
 * the code that calls a function with arguments made by the parameter translators.
 */
import { UsageError } from '../errors.js';
import { pythonTranslator, rTranslator } from '../parameters/index.js';
import type { Translator } from '../parameters/index.js';

/** The mimetype the value arrives under: a JSON text, never shown to anyone. */
export const VALUE_MIME = 'text/x-nbrun-json';

/** Evaluation code for one kernel language. */
export interface EvaluationSupport {
  /** Display name, e.g. `Python`. */
  readonly language: string;
  /** Code that publishes `JSON(expr)` as a display_data of {@link VALUE_MIME}. */
  valueCode(expr: string): string;
  /** Code that publishes `JSON(fn(...args))`; args are JSON-like values. */
  callCode(fn: string, args: readonly unknown[]): string;
}

const argName = (i: number) => `nbrun_arg_${i}`;

function assignments(translator: Translator, args: readonly unknown[]): string[] {
  return args.map((a, i) => translator.assign(argName(i), a as never));
}

/**
 * Python (ipykernel): `json.dumps(expr, allow_nan=False)`, published with IPython's display.
 * @example pythonEvaluation.callCode('f', [1, 'a']) // assigns nbrun_arg_0/1, publishes f(...), deletes them
 */
export const pythonEvaluation: EvaluationSupport = {
  language: 'Python',
  valueCode(expr) {
    return (
      `__import__('IPython.display', fromlist=['publish_display_data']).publish_display_data(` +
      `{${JSON.stringify(VALUE_MIME)}: __import__('json').dumps((\n${expr}\n), allow_nan=False)})`
    );
  },
  callCode(fn, args) {
    const names = args.map((_, i) => argName(i));
    const lines = assignments(pythonTranslator, args);
    const body = this.valueCode(`${fn}(${names.join(', ')})`);
    // The argument variables are removed even when the call raises.
    if (!names.length) return body;
    return `${lines.join('\n')}\ntry:\n    ${body.replace(/\n/g, ' ')}\nfinally:\n    del ${names.join(', ')}`;
  },
};

/**
 * R (IRkernel): `jsonlite::toJSON(expr, auto_unbox = TRUE, digits = NA)`, published with
 * IRdisplay. `call()` arguments: scalars as translator literals, arrays and objects through
 * `jsonlite::fromJSON(simplifyVector = TRUE)`.
 * @example rEvaluation.valueCode('mean(x)') // IRdisplay::publish_mimebundle(... jsonlite::toJSON((mean(x)) ...))
 */
export const rEvaluation: EvaluationSupport = {
  language: 'R',
  valueCode(expr) {
    return (
      `IRdisplay::publish_mimebundle(structure(list(as.character(jsonlite::toJSON((\n${expr}\n), ` +
      `auto_unbox = TRUE, digits = NA, null = "null", na = "null"))), names = ${JSON.stringify(VALUE_MIME)}))`
    );
  },
  callCode(fn, args) {
    const names = args.map((_, i) => argName(i));
    // Arrays and objects go through jsonlite::fromJSON, as R code reading JSON expects
    // ([1, 2] becomes c(1, 2), not list(1, 2)); the JSON text is an R literal made by the translator.
    const lines = args.map((a, i) =>
      a !== null && typeof a === 'object'
        ? `${argName(i)} <- jsonlite::fromJSON(${rTranslator.assign('x', JSON.stringify(a)).replace(/^x <- /, '')}, simplifyVector = TRUE)`
        : rTranslator.assign(argName(i), a as never),
    );
    // local() keeps the argument variables out of the global environment.
    return `local({\n${[...lines, this.valueCode(`${fn}(${names.join(', ')})`)].join('\n')}\n})`;
  },
};

/**
 * The evaluation support for a kernel language (`language_info.name`).
 * @example evaluationFor('python').language // 'Python'
 */
export function evaluationFor(language: string, kernelName: string): EvaluationSupport {
  const l = language.toLowerCase();
  if (l === 'python' || l === 'python3') return pythonEvaluation;
  if (l === 'r') return rEvaluation;
  throw new UsageError(
    `value()/call() support Python and R kernels; kernel '${kernelName}' speaks '${language}' (run code with inject() and read outputs instead)`,
  );
}
