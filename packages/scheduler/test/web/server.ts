/**
 * The server the web page's tests talk to: the real REST API of `nbrun serve`
 * (`createServer`, which mounts the web page) over a SchedulerService.
 */
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../src/http/server.js';
import type { SchedulerService } from '../../src/service.js';

export async function createTestServer(service: SchedulerService, options: { token: string; trustedOutputs?: boolean; assetsDir: string }): Promise<FastifyInstance> {
  return createServer(service, {
    token: options.token,
    trustedOutputs: options.trustedOutputs ?? false,
    webAssetsDir: options.assetsDir,
    log: (line) => process.stderr.write(line + '\n'),
  }) as unknown as Promise<FastifyInstance>;
}
