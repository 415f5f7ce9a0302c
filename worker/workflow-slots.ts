/**
 * Workflow-task slots with room kept for eager starts. The SDK's fixed-size supplier hands its slots to
 * whoever asks first: after a burst of creations the pollers take every slot a finished task frees (a
 * poller holds one while it waits), so an eligibility check's eager start of the validity workflow found
 * none 30–60 % of the time under load. Such a start falls back to an ordinary one: its first task written
 * to the queue's backlog behind the burst, read back, dispatched to a poller and recorded as started —
 * work for the server's single SQLite writer that the eager start does in the start's own transaction
 * (README « Worker: email drain »). Here the pollers share `polled` slots and eager starts may use
 * `eagerOnly` more, which only they can take.
 */
import type { CustomSlotSupplier, SlotPermit, WorkflowSlotInfo } from '@temporalio/worker';

export function workflowSlotsWithEagerRoom(polled: number, eagerOnly: number): CustomSlotSupplier<WorkflowSlotInfo> {
  let taken = 0;
  const waiting = new Set<() => void>();
  const permit: SlotPermit = {};
  return {
    type: 'custom',
    // Polls (and their tasks) block until fewer than `polled` slots are taken.
    async reserveSlot(_ctx, abortSignal) {
      while (taken >= polled) {
        await new Promise<void>((resolve, reject) => {
          const wake = () => {
            abortSignal.removeEventListener('abort', abort);
            resolve();
          };
          const abort = () => {
            waiting.delete(wake);
            reject(abortSignal.reason);
          };
          if (abortSignal.aborted) return abort();
          waiting.add(wake);
          abortSignal.addEventListener('abort', abort, { once: true });
        });
      }
      taken += 1;
      return permit;
    },
    // Eager tasks (a start's first task handed back in its answer) never wait: a slot, or an ordinary start.
    tryReserveSlot() {
      if (taken >= polled + eagerOnly) return null;
      taken += 1;
      return permit;
    },
    markSlotUsed() {},
    releaseSlot() {
      taken -= 1;
      const [next] = waiting;
      if (next) {
        waiting.delete(next);
        next();
      }
    },
  };
}
