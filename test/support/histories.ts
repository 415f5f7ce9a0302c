import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { temporal } from '@temporalio/proto';

/**
 * `RECORD_HISTORIES=1` refreshes the histories that replay.test.ts replays against the current code.
 * Only when a change is meant to be incompatible (and then version it: see replay.test.ts).
 */
export async function recordHistory(name: string, handle: { fetchHistory(): Promise<unknown> }) {
  if (!process.env.RECORD_HISTORIES) return;
  const dir = path.resolve(__dirname, '../fixtures/histories');
  await mkdir(dir, { recursive: true });
  const { History } = temporal.api.history.v1;
  await writeFile(path.join(dir, `${name}.binpb`), History.encode(History.fromObject((await handle.fetchHistory()) as object)).finish());
}
