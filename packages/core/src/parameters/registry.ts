/**
 * The translator registry: an explicit object (no registration by import), chosen by
 * kernelspec name first, then by language (`language_info.name` / kernelspec language),
 * case-insensitively. Translators registered later are consulted first, so an API user
 * can add a language or replace a built-in one.
 */
import { ParameterError } from '../errors.js';
import type { Translator } from './translator.js';
import { bashTranslator } from './translators/bash.js';
import { csharpTranslator } from './translators/csharp.js';
import { fsharpTranslator } from './translators/fsharp.js';
import { javascriptTranslator, typescriptTranslator } from './translators/javascript.js';
import { juliaTranslator } from './translators/julia.js';
import { matlabTranslator, octaveTranslator } from './translators/matlab.js';
import { powershellTranslator } from './translators/powershell.js';
import { pythonTranslator } from './translators/python.js';
import { rTranslator } from './translators/r.js';
import { scalaTranslator } from './translators/scala.js';

/** Every translator nbrun ships, in the order the default registry holds them. */
export const builtinTranslators: readonly Translator[] = [
  pythonTranslator, rTranslator, juliaTranslator, scalaTranslator, octaveTranslator, matlabTranslator, bashTranslator,
  powershellTranslator, csharpTranslator, fsharpTranslator, javascriptTranslator, typescriptTranslator,
];

/** What a translator is chosen by. */
export interface TranslatorQuery {
  kernelName?: string | undefined;
  language?: string | undefined;
}

export interface TranslatorRegistry {
  /** Adds a translator; it wins over those registered before it. */
  register(translator: Translator): void;
  /** The translator for this kernel name or language, or undefined. */
  find(query: TranslatorQuery): Translator | undefined;
  /** Like `find`, but throws a ParameterError naming the language when none fits. */
  get(query: TranslatorQuery): Translator;
  /** All translators, most recently registered first. */
  list(): Translator[];
}

const norm = (s: string | undefined) => s?.trim().toLowerCase() || undefined;

/**
 * A registry holding the built-in translators (or those given).
 * @example
 * const registry = createTranslatorRegistry();
 * registry.register({ language: 'Lua', languages: ['lua'], assign: (n, v) => `${n} = ${JSON.stringify(v)}`, comment: (t) => `-- ${t}` });
 * registry.get({ kernelName: 'ir' }).language // 'R'
 */
export function createTranslatorRegistry(translators: readonly Translator[] = builtinTranslators): TranslatorRegistry {
  const entries: Translator[] = [...translators].reverse();
  const find = (query: TranslatorQuery): Translator | undefined => {
    const kernel = norm(query.kernelName);
    const language = norm(query.language);
    if (kernel) {
      const byKernel = entries.find((t) => t.kernelNames?.some((k) => k.toLowerCase() === kernel));
      if (byKernel) return byKernel;
    }
    if (language) return entries.find((t) => t.languages.some((l) => l.toLowerCase() === language));
    return undefined;
  };
  return {
    register(translator) {
      entries.unshift(translator);
    },
    find,
    get(query) {
      const found = find(query);
      if (found) return found;
      const known = [...new Set([...entries].reverse().map((t) => t.language))].join(', ');
      const what = query.language
        ? `language '${query.language}'${query.kernelName ? ` (kernel '${query.kernelName}')` : ''}`
        : query.kernelName
          ? `kernel '${query.kernelName}' (its language is unknown)`
          : 'a notebook without a kernel language';
      throw new ParameterError(`no parameter translator for ${what}; known: ${known} (API users can add one with registry.register())`);
    },
    list: () => [...entries],
  };
}
