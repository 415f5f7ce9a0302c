/**
 * Runs `run` for every item with at most `limit` calls in flight: the next call starts as soon as any
 * ends (batches of `limit` would wait for each batch's slowest call, leaving the server idle meanwhile).
 * `progress` after each call (an activity's heartbeat). The first failure stops taking new items and
 * rejects once the calls in flight have ended.
 */
export async function forEachInFlight<T>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<unknown>,
  progress?: (done: number) => void,
): Promise<void> {
  let next = 0;
  let done = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await run(item);
      } catch (error) {
        failed = true;
        throw error;
      }
      progress?.(++done);
    }
  };
  const lanes = Array.from({ length: Math.min(limit, items.length) }, lane);
  const settled = await Promise.allSettled(lanes);
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) throw failure.reason;
}
