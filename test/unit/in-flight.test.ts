import { describe, expect, it } from 'vitest';
import { forEachInFlight } from '../../activities/in-flight';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('forEachInFlight', () => {
  it('keeps at most `limit` calls in flight and starts the next one as soon as any ends', async () => {
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];
    const progress: number[] = [];
    // Item 0 is slow: with batches, items 3.. would wait for it; here they run beside it.
    await forEachInFlight(
      [0, 1, 2, 3, 4, 5, 6],
      3,
      async (i) => {
        started.push(i);
        inFlight++;
        most = Math.max(most, inFlight);
        await tick(i === 0 ? 60 : 5);
        inFlight--;
      },
      (done) => progress.push(done),
    );
    expect(most).toBe(3);
    expect(started.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(progress.length).toBe(7);
  });

  it('stops taking items after a failure and rejects with it once the calls in flight end', async () => {
    const ran: number[] = [];
    let endedAfterFailure = false;
    const run = forEachInFlight([0, 1, 2, 3, 4, 5, 6, 7], 2, async (i) => {
      ran.push(i);
      if (i === 1) throw new Error('refused');
      await tick(20);
      if (i === 0) endedAfterFailure = true;
    });
    await expect(run).rejects.toThrow('refused');
    expect(endedAfterFailure).toBe(true);
    expect(ran.length).toBeLessThan(8);
  });

  it('does nothing for no items', async () => {
    await forEachInFlight([], 5, async () => {
      throw new Error('never');
    });
  });
});
