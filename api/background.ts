/**
 * Work a request starts but does not wait for: the forgotten-password and forgotten-login-id
 * requests answer at once, the same way whether an account matches or not, and the look-up and the
 * workflow start happen here, off the request path, so that their duration tells nothing either.
 * Failures are logged. On shutdown the API waits for what is still running (`drainBackground`).
 */
const running = new Set<Promise<void>>();

export function runInBackground(task: () => Promise<void>, onError: (error: unknown) => void): void {
  const promise = new Promise<void>((resolve) => setImmediate(resolve))
    .then(task)
    .catch(onError)
    .finally(() => running.delete(promise));
  running.add(promise);
}

/** Resolves once every task started so far has finished (tests, graceful shutdown). */
export async function drainBackground(): Promise<void> {
  while (running.size > 0) await Promise.all([...running]);
}

/** Tasks started and not finished yet. */
export const backgroundTasksRunning = () => running.size;
