/**
 * Runs versioned by their input instead of `patched()`. Every `patched()` call in a new run records a
 * marker and upserts the `TemporalChangeVersion` search attribute: on the dev server that is one more
 * write for its single SQLite writer, per call and per run. A run started by today's code carries
 * `version: RUN_VERSION` in its input instead; the input is in the history (started event), so
 * branching on it is as deterministic as a marker and costs nothing.
 *
 * Runs without `version` (recorded histories, runs started before this scheme) keep the exact path
 * they took: their `patched()` calls stay where they were, asked only when the input has no version.
 * A later incompatible change raises RUN_VERSION and branches on `version >= 3` the same way.
 */
import { workflowInfo } from '@temporalio/workflow';

/**
 * What the clients and workflows of today give every new run of the versioned workflow types.
 * 3: a link run's first send checks the account's eligibility itself (workflows/password-link.ts).
 * 4: a link run's send cancelled by the worker's eviction of the run is sent again (workflows/password-link.ts).
 * 5: an activation at creation starts the account's validity when it leaves its first-link phase, not in
 *    its first send (workflows/password-link.ts).
 */
export const RUN_VERSION = 5;

export interface VersionedInput {
  /** Absent for runs started before versioning by input: they follow their `patched()` markers. */
  version?: number;
}

/** The run was started with version 2 or later: none of the earlier `patched()` questions are asked. */
export function atLeastVersion2(input: VersionedInput): boolean {
  return (input.version ?? 1) >= 2;
}

/** The run was started with version 3 or later: its first link is checked and sent by one local activity. */
export function atLeastVersion3(input: VersionedInput): boolean {
  return (input.version ?? 1) >= 3;
}

/** The run was started with version 4 or later: a send the worker's eviction cancelled is sent again. */
export function atLeastVersion4(input: VersionedInput): boolean {
  return (input.version ?? 1) >= 4;
}

/** The run was started with version 5 or later: an activation at creation starts the validity at its end or first resend. */
export function atLeastVersion5(input: VersionedInput): boolean {
  return (input.version ?? 1) >= 5;
}

/**
 * A version-2 run's start options gave its search attributes (identifiers and first state): an upsert
 * repeating them at its first task would only be another visibility write. A run continued as new
 * upserts them as before.
 */
export function startedWithSearchAttributes(input: VersionedInput): boolean {
  return atLeastVersion2(input) && !workflowInfo().continuedFromExecutionRunId;
}
