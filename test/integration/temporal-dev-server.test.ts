import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, isPortFree, startTemporalDevServer, type TemporalDevServer } from '../../dev/temporal/dev-server';

const NAMESPACE = 'test-dev-server';

async function customSearchAttributes(address: string, namespace: string) {
  const connection = await Connection.connect({ address });
  try {
    const res = await connection.operatorService.listSearchAttributes({ namespace });
    return res.customAttributes ?? {};
  } finally {
    await connection.close();
  }
}

describe('Temporal dev server', { timeout: 60_000 }, () => {
  let root: string;
  let dbFile: string;
  let logFile: string;
  let port: number;
  let uiPort: number;
  let server: TemporalDevServer | undefined;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'temporal-dev-'));
    dbFile = path.join(root, 'data', 'temporal.sqlite');
    logFile = path.join(root, 'temporal.log');
    port = await findFreePort();
    uiPort = await findFreePort();
    if (uiPort === port) uiPort = await findFreePort();
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  }, 60_000);

  it('starts on a SQLite file, serves the UI, and keeps search attributes across restarts', async () => {
    const opts = {
      dbFile,
      port,
      uiPort,
      namespace: NAMESPACE,
      searchAttributes: { PepsAccountId: 'Keyword', PepsScore: 'Int' } as const,
      logFile,
    };

    server = await startTemporalDevServer(opts);
    expect(server.address).toBe(`127.0.0.1:${port}`);
    const ui = await fetch(server.uiUrl);
    expect(ui.status).toBe(200);
    await ui.arrayBuffer();
    const before = await customSearchAttributes(server.address, NAMESPACE);
    expect(before.PepsAccountId).toBe(temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    expect(before.PepsScore).toBe(temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT);

    await server.stop();
    await server.stop(); // idempotent
    expect(await isPortFree(port)).toBe(true);
    expect(await isPortFree(uiPort)).toBe(true);

    // Same SQLite file, same --search-attribute flags: the restart must not fail.
    server = await startTemporalDevServer(opts);
    const again = await customSearchAttributes(server.address, NAMESPACE);
    expect(again.PepsAccountId).toBe(temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    expect(again.PepsScore).toBe(temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT);
    await server.stop();

    // Without --search-attribute, the attributes can only come from the SQLite file.
    server = await startTemporalDevServer({ ...opts, searchAttributes: {} });
    const persisted = await customSearchAttributes(server.address, NAMESPACE);
    expect(persisted.PepsAccountId).toBe(temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    expect(persisted.PepsScore).toBe(temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT);
    await server.stop();
    server = undefined;
  });

  it('refuses to start on a port already in use, with a clear message', async () => {
    const busy = await findFreePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(busy, '127.0.0.1', resolve));
    try {
      await expect(
        startTemporalDevServer({
          dbFile: path.join(root, 'busy.sqlite'),
          port: busy,
          uiPort: await findFreePort(),
          namespace: NAMESPACE,
          searchAttributes: {},
        }),
      ).rejects.toThrow(/already in use/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
