/** Parameters: injection, translators, inspection, lossless JSON (see the files for details). */
export { injectParameters } from './inject.js';
export type { InjectOptions, InjectResult } from './inject.js';
export {
  inspectParameters, parseParameterSource, findParametersCell, PARAMETERS_TAG, INJECTED_PARAMETERS_TAG,
} from './inspect.js';
export type { ParameterInfo, InspectOptions } from './inspect.js';
export { createTranslatorRegistry, builtinTranslators } from './registry.js';
export type { TranslatorRegistry, TranslatorQuery } from './registry.js';
export { renderParameters } from './translator.js';
export type { Translator } from './translator.js';
export { validateParameters, normalizeInteger, MAX_PARAMETER_DEPTH } from './values.js';
export { FloatValue, asFloat } from './float-value.js';
export { inferParameterValue } from './infer.js';
export type { ParameterValue } from './values.js';
export { parseParameterJson, stringifyParameterValue } from './json.js';
export { pythonTranslator } from './translators/python.js';
export { rTranslator } from './translators/r.js';
export { juliaTranslator } from './translators/julia.js';
export { scalaTranslator } from './translators/scala.js';
export { octaveTranslator, matlabTranslator } from './translators/matlab.js';
export { bashTranslator } from './translators/bash.js';
export { powershellTranslator } from './translators/powershell.js';
export { csharpTranslator } from './translators/csharp.js';
export { fsharpTranslator } from './translators/fsharp.js';
export { javascriptTranslator, typescriptTranslator } from './translators/javascript.js';
