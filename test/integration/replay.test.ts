/**
 * Replays recorded workflow histories against the current workflow code: a change that would break
 * running workflows (non-determinism) fails here before it ships. Histories are stored in protobuf binary form
 * (`temporal workflow show --output json` of a live one is the readable equivalent). Refresh the recordings with
 * `RECORD_HISTORIES=1 npx vitest run test/integration/activation-workflow.test.ts` (or
 * `terms-workflow.test.ts`) only when a change
 * is meant to be incompatible (and then version it: activation and validity by their input's `version`,
 * workflows/run-version.ts, recording under a new suffix such as `-v2` beside the older files; the
 * other types with patched()). Every older recording stays and keeps replaying.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';

const dir = path.resolve(__dirname, '../fixtures/histories');
const recordings = readdirSync(dir).filter((f) => f.endsWith('.binpb'));

describe('replay of recorded histories', () => {
  it('has recordings to replay', () => {
    expect(recordings.length).toBeGreaterThan(0);
  });

  it.each(recordings)('%s replays without non-determinism', async (file) => {
    const history = temporal.api.history.v1.History.decode(readFileSync(path.join(dir, file)));
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: inject('stack').workflowBundlePath } }, history, file),
    ).resolves.toBeUndefined();
  });
});
