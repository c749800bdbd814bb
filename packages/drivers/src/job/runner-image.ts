/**
 * The image the container drivers (docker, kubernetes, kubeflow, pytorchjob) run when the
 * request names none. It must run `nbrun-runner` (entrypoint or on PATH).
 */
export const DEFAULT_DOCKER_IMAGE = 'nbrun-runner:latest';
