/** `@nbrun/drivers/docker` — the docker driver and its Docker Engine API client (node:http, no SDK). */
export { DEFAULT_DOCKER_IMAGE } from '../job/runner-image.js';
export { DockerDriver, CONTAINER_JOB_DIR, CONTAINER_RESULTS_DIR, DOCKER_LABELS } from '../backends/docker/driver.js';
export type { DockerJobHandle, DockerSettings } from '../backends/docker/driver.js';
export { createDockerClient, dockerHostOf, DEFAULT_DOCKER_HOST } from '../backends/docker/client.js';
export { DockerApiError } from '../backends/docker/engine.js';
export type { ContainerInspectInfo, ContainerSummary, DockerClient, ImageInspectInfo } from '../backends/docker/engine.js';
export { gpuDeviceRequests, nanoCpus } from '../backends/docker/resources.js';
export type { DeviceRequest } from '../backends/docker/resources.js';
export { dockerOptionsSchema } from '../backends/docker/schema.js';
export type { DockerDriverOptions } from '../backends/docker/schema.js';
