import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, isPortFree } from '../../dev/ports';
import { startTemporalDevServer } from '../../dev/temporal';

const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_DATETIME: DATETIME } = temporal.api.enums.v1.IndexedValueType;

async function customSearchAttributes(address: string) {
  const connection = await Connection.connect({ address });
  try {
    return (await connection.operatorService.listSearchAttributes({ namespace: 'dev-test' })).customAttributes;
  } finally {
    await connection.close();
  }
}

describe('Temporal dev server', { timeout: 120_000 }, () => {
  let root: string;
  beforeAll(async () => void (root = await mkdtemp(path.join(tmpdir(), 'temporal-dev-'))));
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('serves its UI and keeps its SQLite file, search attributes included, across restarts', async () => {
    const opts = {
      dbFile: path.join(root, 'data', 'temporal.db'),
      logFile: path.join(root, 'temporal.log'),
      port: await findFreePort(),
      uiPort: await findFreePort(),
      namespace: 'dev-test',
      searchAttributes: { PepsAccountId: 'Keyword', PepsExpiresAt: 'Datetime' },
    };
    let server = await startTemporalDevServer(opts);
    try {
      expect((await fetch(server.uiUrl)).status).toBe(200);
      expect(await customSearchAttributes(server.address)).toMatchObject({ PepsAccountId: KEYWORD, PepsExpiresAt: DATETIME });
      await server.stop();
      await server.stop(); // idempotent
      expect(await isPortFree(opts.port)).toBe(true);

      // Without --search-attribute this time: the attributes can only come from the SQLite file.
      server = await startTemporalDevServer({ ...opts, searchAttributes: {} });
      expect(await customSearchAttributes(server.address)).toMatchObject({ PepsAccountId: KEYWORD, PepsExpiresAt: DATETIME });
    } finally {
      await server.stop();
    }
  });

  it('refuses a port already in use instead of talking to whoever holds it', async () => {
    const blocker = createServer();
    const busy = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      await expect(
        startTemporalDevServer({ dbFile: path.join(root, 'busy.db'), logFile: path.join(root, 'busy.log'), port: busy, uiPort: await findFreePort(), namespace: 'dev-test' }),
      ).rejects.toThrow(`port ${busy} is already in use`);
    } finally {
      blocker.close();
    }
  });
});
