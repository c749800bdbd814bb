/** Options of the `docker` driver (`nbrun submit --driver docker …`, or JSON). */
import type { Static } from '@sinclair/typebox';
import { flag, integer, KEY_VALUE, list, optionsObject, text } from '../../options/schema.js';

export const dockerOptionsSchema = optionsObject({
  network: text({ description: "container network (bridge, host, none, a network name); default the engine's", 'x-value': 'MODE' }),
  keep: flag({ description: 'keep the container after its results are fetched' }),
  stopTimeout: integer({
    description: 'grace period of cancel before SIGKILL, in seconds (default 10)',
    default: 10,
    'x-value': 'SECONDS',
    'x-expected': 'a whole number of seconds',
  }),
  runnerCommand: text({
    description: "command starting the runner in the image, space-separated (default the image's)",
    pattern: '\\S',
    'x-value': 'CMD',
    'x-expected': 'a command (space-separated words)',
  }),
  label: list({ description: 'extra container label (repeatable)', pattern: KEY_VALUE, 'x-value': 'KEY=VALUE', 'x-expected': 'KEY=VALUE' }),
  user: text({ description: 'container user (uid[:gid] or name)', 'x-value': 'USER' }),
});

/** Options of the docker driver. */
export type DockerDriverOptions = Static<typeof dockerOptionsSchema>;
