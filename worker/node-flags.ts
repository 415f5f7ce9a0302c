/**
 * The worker's V8 heap limit, as started by `npm run worker`, `npm start` and docker-compose.yml
 * (same figure there): the workflow cache (WORKER_MAX_CACHED_WORKFLOWS, ~0.3 MB each) plus the
 * activities fit under it, and the process stays under 400 MB resident with the SDK's native part.
 */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=320'];
