import { describe, expect, it } from 'vitest';
import type { SlotReserveContext } from '@temporalio/worker';
import { workflowSlotsWithEagerRoom } from '../../worker/workflow-slots';

const ctx = { slotType: 'workflow', taskQueue: 'q', workerIdentity: 'w', workerBuildId: '', isSticky: false } as SlotReserveContext;
const settled = async (promise: Promise<unknown>) => Promise.race([promise.then(() => true, () => true), new Promise((r) => setTimeout(() => r(false), 20))]);
const release = (slots: ReturnType<typeof workflowSlotsWithEagerRoom>) => slots.releaseSlot({ permit: {} } as never);

describe('workflow-task slots with room for eager starts', () => {
  it('lets polls take `polled` slots, then only eager starts, up to `polled + eagerOnly`', async () => {
    const slots = workflowSlotsWithEagerRoom(2, 1);
    await slots.reserveSlot(ctx, new AbortController().signal);
    await slots.reserveSlot(ctx, new AbortController().signal);
    const third = slots.reserveSlot(ctx, new AbortController().signal);
    expect(await settled(third)).toBe(false);
    expect(slots.tryReserveSlot(ctx)).not.toBeNull();
    expect(slots.tryReserveSlot(ctx)).toBeNull();
    // The eager task ends: still 2 taken, the waiting poll stays blocked; a poll's task ends: it gets the slot.
    release(slots);
    expect(await settled(third)).toBe(false);
    release(slots);
    expect(await settled(third)).toBe(true);
  });

  it('gives a poll the room an eager start left, and an aborted poll gives its turn up', async () => {
    const slots = workflowSlotsWithEagerRoom(1, 0);
    expect(slots.tryReserveSlot(ctx)).not.toBeNull();
    const aborted = new AbortController();
    const first = slots.reserveSlot(ctx, aborted.signal);
    const second = slots.reserveSlot(ctx, new AbortController().signal);
    aborted.abort(new Error('poller no longer needed'));
    await expect(first).rejects.toThrow('poller no longer needed');
    release(slots);
    expect(await settled(second)).toBe(true);
    expect(slots.tryReserveSlot(ctx)).toBeNull();
  });
});
