/** Options of the `ffdl` driver (FfDL trainings). */
import type { Static } from '@sinclair/typebox';
import { ENV_NAME, HTTP_URL, integer, oneOf, optionsObject, text } from '../../options/schema.js';
import { storeOptionProperties } from '../../store/schema.js';

/** Environment variables of FfDL's own CLI, honoured the same way. */
export const FFDL_ENV = { host: 'DLAAS_URL', user: 'DLAAS_USERNAME', password: 'DLAAS_PASSWORD' } as const;
/** The learner framework when `framework` is not given. */
export const DEFAULT_FFDL_FRAMEWORK = 'tensorflow:1.15.0-py3';

export const ffdlOptionsSchema = optionsObject({
  ffdlHost: text({ description: `FfDL REST API URL (default $${FFDL_ENV.host})`, pattern: HTTP_URL, 'x-value': 'URL', 'x-expected': 'an http(s):// URL' }),
  ffdlUser: text({ description: `FfDL user (bluemix-instance-id; default $${FFDL_ENV.user})`, 'x-value': 'USER' }),
  ffdlPasswordEnv: text({
    description: `env var holding the FfDL password (default ${FFDL_ENV.password})`,
    default: FFDL_ENV.password,
    pattern: ENV_NAME,
    'x-value': 'NAME',
    'x-expected': 'an environment variable name',
  }),
  framework: text({
    description: `learner framework and version (default ${DEFAULT_FFDL_FRAMEWORK}; its image must have node and a Jupyter kernel)`,
    default: DEFAULT_FFDL_FRAMEWORK,
    pattern: '^[^:]+:.+$',
    'x-value': 'NAME:VERSION',
    'x-expected': `NAME:VERSION, e.g. ${DEFAULT_FFDL_FRAMEWORK}`,
  }),
  learners: integer({ description: 'learners (default 1)', minimum: 1, default: 1 }),
  resultsBucket: text({ description: "bucket receiving $RESULT_DIR (default the store's bucket)", 'x-value': 'BUCKET' }),
  resultsFrom: oneOf(['bucket', 'api'], { description: 'fetch results from the results bucket (default) or GET …/trained_model', default: 'bucket' }),
  ...storeOptionProperties,
});

/** Options of the ffdl driver. */
export type FfdlDriverOptions = Static<typeof ffdlOptionsSchema>;
