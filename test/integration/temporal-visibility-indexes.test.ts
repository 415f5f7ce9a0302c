/**
 * dev/temporal-visibility-indexes.sql (run by `npm run cluster` and docker-compose.yml after Temporal's
 * visibility migration), on a table built as Temporal's PostgreSQL visibility schema builds
 * executions_visibility (v1.32.2, schema/postgresql/v12/visibility/schema.sql; the columns and
 * indexes the script looks at): the custom search attributes' indexes become partial under their
 * own names, the others stay as they are, a query on an attribute still uses its index.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const SCRIPT = readFileSync(path.resolve(__dirname, '../../dev/temporal-visibility-indexes.sql'), 'utf8');
const ORDER = `(COALESCE(close_time, '9999-12-31 23:59:59')) DESC, start_time DESC, run_id`;
const TEMPORAL_VISIBILITY_EXCERPT = `
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE TABLE executions_visibility (
  namespace_id CHAR(64) NOT NULL,
  run_id CHAR(64) NOT NULL,
  start_time TIMESTAMP NOT NULL,
  close_time TIMESTAMP NULL,
  status INTEGER NOT NULL,
  search_attributes JSONB NULL,
  TemporalNamespaceDivision VARCHAR(255) GENERATED ALWAYS AS (search_attributes->>'TemporalNamespaceDivision') STORED,
  Bool01 BOOLEAN GENERATED ALWAYS AS ((search_attributes->'Bool01')::boolean) STORED,
  Keyword01 VARCHAR(255) GENERATED ALWAYS AS (search_attributes->>'Keyword01') STORED,
  Keyword10 VARCHAR(255) GENERATED ALWAYS AS (search_attributes->>'Keyword10') STORED,
  Text01 TSVECTOR GENERATED ALWAYS AS ((search_attributes->>'Text01')::tsvector) STORED,
  KeywordList01 JSONB GENERATED ALWAYS AS (search_attributes->'KeywordList01') STORED,
  PRIMARY KEY (namespace_id, run_id)
);
CREATE INDEX default_idx ON executions_visibility (namespace_id, ${ORDER});
CREATE INDEX by_status ON executions_visibility (namespace_id, status, ${ORDER});
CREATE INDEX by_temporal_namespace_division ON executions_visibility (namespace_id, TemporalNamespaceDivision, ${ORDER});
CREATE INDEX by_bool_01 ON executions_visibility (namespace_id, Bool01, ${ORDER});
CREATE INDEX by_keyword_01 ON executions_visibility (namespace_id, Keyword01, ${ORDER});
CREATE INDEX by_keyword_10 ON executions_visibility (namespace_id, Keyword10, ${ORDER});
CREATE INDEX by_text_01 ON executions_visibility USING GIN (namespace_id, Text01);
CREATE INDEX by_keyword_list_01 ON executions_visibility USING GIN (namespace_id, KeywordList01 jsonb_path_ops);
`;

describe('the visibility store: partial indexes for the custom search attributes', () => {
  const name = `peps_visibility_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let admin: postgres.Sql;
  let sql: postgres.Sql;

  beforeAll(async () => {
    const shared = inject('stack').databaseUrl;
    admin = postgres(shared, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`create database "${name}"`);
    const url = new URL(shared);
    url.pathname = `/${name}`;
    sql = postgres(url.toString(), { max: 1, onnotice: () => undefined });
    await sql.unsafe(TEMPORAL_VISIBILITY_EXCERPT);
    // Mostly rows without the attributes, as the project's workflows write them.
    await sql.unsafe(`
      INSERT INTO executions_visibility (namespace_id, run_id, start_time, status, search_attributes)
      SELECT 'ns', 'run-' || i, now() - i * interval '1 second', 1,
             CASE WHEN i % 100 = 0 THEN jsonb_build_object('Keyword01', 'siret-' || i, 'Bool01', true, 'Text01', 'mot', 'KeywordList01', jsonb_build_array('a'))
                  ELSE jsonb_build_object('Keyword10', NULL) END
      FROM generate_series(1, 3000) i;
      ANALYZE executions_visibility;`);
  });

  afterAll(async () => {
    await sql?.end({ timeout: 5 });
    await admin?.unsafe(`drop database if exists "${name}" with (force)`);
    await admin?.end({ timeout: 5 });
  });

  const indexes = async () =>
    Object.fromEntries(
      (
        await sql<{ name: string; oid: number; predicate: string | null }[]>`
          select c.relname as name, c.oid::int as oid, pg_get_expr(i.indpred, i.indrelid) as predicate
          from pg_index i join pg_class c on c.oid = i.indexrelid
          where i.indrelid = 'executions_visibility'::regclass`
      ).map((row) => [row.name, row]),
    );

  it('makes each custom attribute index partial under its name, leaves the others, and does nothing a second time', async () => {
    const before = await indexes();
    await sql.unsafe(SCRIPT);
    const after = await indexes();
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect(Object.fromEntries(Object.entries(after).map(([index, row]) => [index, row.predicate]))).toEqual({
      executions_visibility_pkey: null,
      default_idx: null,
      by_status: null,
      by_temporal_namespace_division: null,
      by_bool_01: '(bool01 IS NOT NULL)',
      by_keyword_01: '(keyword01 IS NOT NULL)',
      by_keyword_10: '(keyword10 IS NOT NULL)',
      by_text_01: '(text01 IS NOT NULL)',
      by_keyword_list_01: '(keywordlist01 IS NOT NULL)',
    });
    for (const kept of ['default_idx', 'by_status', 'by_temporal_namespace_division']) expect(after[kept]!.oid).toBe(before[kept]!.oid);

    await sql.unsafe(SCRIPT);
    const again = await indexes();
    for (const [index, row] of Object.entries(after)) expect(again[index]!.oid).toBe(row.oid);
  });

  it('still serves a query on an attribute (equality, full text, list) from its index', async () => {
    const plan = async (where: string) =>
      JSON.stringify(
        await sql.begin(async (tx) => {
          await tx`set local enable_seqscan = off`;
          return tx.unsafe(`explain (format json) select run_id from executions_visibility where namespace_id = 'ns' and ${where}`);
        }),
      );
    expect(await plan(`keyword01 = 'siret-100'`)).toContain('"by_keyword_01"');
    expect(await plan(`text01 @@ 'mot'::tsquery`)).toContain('"by_text_01"');
    expect(await plan(`keywordlist01 @> '["a"]'`)).toContain('"by_keyword_list_01"');
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from executions_visibility where keyword01 = 'siret-100'`;
    expect(row?.n).toBe(1);
  });
});
