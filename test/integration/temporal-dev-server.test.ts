import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
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

/** The visibility table's indexes as the dev server's SQLite file holds them: name → its WHERE clause, if any. */
async function visibilityIndexes(dbFile: string): Promise<Record<string, string | null>> {
  const read =
    'import json, re, sqlite3, sys\n' +
    "rows = sqlite3.connect(sys.argv[1]).execute(\"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'executions_visibility' AND sql IS NOT NULL\")\n" +
    "print(json.dumps({name: (re.search(r' WHERE (.*)$', sql) or [None, None])[1] for name, sql in rows}))";
  const { stdout } = await promisify(execFile)('python3', ['-c', read, dbFile]);
  return JSON.parse(stdout) as Record<string, string | null>;
}

/** Runs found by a visibility query on a search attribute (the store is written a moment after the start). */
async function foundBy(address: string, query: string, workflowId: string) {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace: 'dev-test' });
    for (let tries = 0; ; tries++) {
      const ids: string[] = [];
      for await (const run of client.workflow.list({ query })) ids.push(run.workflowId);
      if (ids.includes(workflowId) || tries >= 40) return ids;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await connection.close();
  }
}

describe('Temporal dev server', { timeout: 120_000 }, () => {
  let root: string;
  beforeAll(async () => void (root = await mkdtemp(path.join(tmpdir(), 'temporal-dev-'))));
  afterAll(() => rm(root, { recursive: true, force: true }));
  /** A server of its own: its SQLite file in `root/<name>/`, its log beside it. */
  const serverOptions = async (name: string) => ({
    dbFile: path.join(root, name, 'temporal.db'),
    logFile: path.join(root, `${name}.log`),
    port: await findFreePort(),
    uiPort: await findFreePort(),
    namespace: 'dev-test',
  });

  it('serves its UI and keeps its SQLite file, search attributes included, across restarts', async () => {
    const opts = { ...(await serverOptions('data')), searchAttributes: { PepsAccountId: 'Keyword', PepsExpiresAt: 'Datetime' } };
    let server = await startTemporalDevServer(opts);
    try {
      expect((await fetch(server.uiUrl)).status).toBe(200);
      expect(await customSearchAttributes(server.address)).toMatchObject({ PepsAccountId: KEYWORD, PepsExpiresAt: DATETIME });
      // A run carrying an attribute (no worker: it stays Running with its first task queued).
      const connection = await Connection.connect({ address: server.address });
      await new Client({ connection, namespace: 'dev-test' }).workflow.start('anyWorkflow', {
        workflowId: 'dev-test-run',
        taskQueue: 'dev-test-queue',
        typedSearchAttributes: [{ key: defineSearchAttributeKey('PepsAccountId', SearchAttributeType.KEYWORD), value: 'account-1' }],
      });
      await connection.close();
      expect(await foundBy(server.address, "PepsAccountId = 'account-1'", 'dev-test-run')).toEqual(['dev-test-run']);
      await server.stop();
      await server.stop(); // idempotent
      expect(await isPortFree(opts.port)).toBe(true);

      // Without --search-attribute this time: the attributes can only come from the SQLite file.
      server = await startTemporalDevServer({ ...opts, searchAttributes: {} });
      expect(await customSearchAttributes(server.address)).toMatchObject({ PepsAccountId: KEYWORD, PepsExpiresAt: DATETIME });
      expect(await foundBy(server.address, "PepsAccountId = 'account-1'", 'dev-test-run')).toEqual(['dev-test-run']);
    } finally {
      await server.stop();
    }
  });

  it('keeps only the rows that carry a pre-allocated search attribute in its index (dev/temporal-sqlite-visibility.py), on every start', async () => {
    const opts = await serverOptions('indexes');
    for (let start = 1; start <= 2; start++) {
      const server = await startTemporalDevServer(opts);
      try {
        const indexes = await visibilityIndexes(opts.dbFile);
        const partial = Object.entries(indexes).filter(([, where]) => where !== null);
        // Custom Bool01–03, Datetime01–03, Double01–03, Int01–03, Keyword01–10; CHASM TemporalBool01–02 … TemporalLowCardinalityKeyword01.
        expect(partial).toHaveLength(35);
        expect(indexes).toMatchObject({ by_keyword_01: '"Keyword01" IS NOT NULL', by_datetime_03: '"Datetime03" IS NOT NULL', by_temporal_int_02: '"TemporalInt02" IS NOT NULL' });
        // Temporal's own stay whole: its servers query some of them IS NULL (TemporalNamespaceDivision).
        expect(indexes).toMatchObject({ default_idx: null, by_status: null, by_temporal_namespace_division: null, by_parent_workflow_id: null });
      } finally {
        await server.stop();
      }
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
