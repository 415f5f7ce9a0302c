/**
 * How the worker process is started: `npm run worker` (package.json), the cluster (dev/cluster.ts),
 * docker-compose.yml and the benchmarks. Node itself runs it, TypeScript loaded by tsx's hook
 * (`--import tsx`): the tsx command would add a launcher process of its own (~50 MB) and keep the
 * program in a child that a SIGKILL of the command leaves running. `npm start` (dev/start.ts) still
 * goes through the tsx command, with the same heap flag: its Ctrl-C handling is tested that way.
 *
 * The heap limits and the workflow cache (WORKER_MAX_CACHED_WORKFLOWS) are chosen together so that
 * the process stays under 400 MB resident whatever the number of open workflows (README « Worker
 * memory »): the cached workflows and the activities fit under the old-space limit; above it,
 * V8 collects harder rather than grows. The young generation is capped too: V8 lets each isolate's
 * semi-spaces grow to 16 MB under a high allocation rate (a renewal's or a reconcile's thousands of
 * workflow tasks, the reminder run's rendering), and the worker has two isolates (the main thread and
 * the workflow thread): 4 MB took ~80 MB off the peak for no measurable CPU (README « Worker memory »).
 *
 * The collector works on the thread that allocates (`--single-threaded-gc`): V8's parallel and
 * concurrent GC helper threads cost more CPU than they save on a busy machine's few cores, where they
 * wait to be scheduled and then share out scavenges of a 4 MB young generation. In a drain of 1,000
 * activation emails the helpers' 6–7 ms per email became 3.5 ms and the main thread's did not grow
 * (README « Worker: email drain »). V8 still compiles hot code in the background.
 */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=256', '--max-semi-space-size=4', '--single-threaded-gc'];

/** `node` arguments that run `script` (worker/main.ts unless a bench runs its variant) as production does. */
export function workerNodeArgs(script = 'worker/main.ts'): string[] {
  return [...WORKER_NODE_FLAGS, '--import', 'tsx', script];
}
