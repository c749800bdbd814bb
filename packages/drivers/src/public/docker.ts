/** `@nbrun/drivers/docker` — the docker driver (loads dockerode). */
export { DockerDriver, DEFAULT_DOCKER_IMAGE, CONTAINER_JOB_DIR, CONTAINER_RESULTS_DIR, DOCKER_LABELS } from '../docker/driver.js';
export type { DockerJobHandle, DockerSettings } from '../docker/driver.js';
export { createDockerClient, dockerHostOf, DEFAULT_DOCKER_HOST } from '../docker/client.js';
export { gpuDeviceRequests, nanoCpus } from '../docker/resources.js';
export type { DeviceRequest } from '../docker/resources.js';
export { dockerOptionsSchema } from '../docker/schema.js';
export type { DockerDriverOptions } from '../docker/schema.js';
