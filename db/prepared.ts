import type { Query, SQL } from 'drizzle-orm';
import type { Db } from './client';

/**
 * Statements built once per database handle. Drizzle's query builder costs more CPU to build a short
 * statement than PostgreSQL spends running it; a look-up that runs once per request or per email
 * paid it every time. The statement is built on first use with placeholders (a Drizzle prepared
 * query) and kept while the handle lives; only its values change between runs.
 */
export function builtOncePerHandle<Handle extends object, Statement>(build: (db: Handle) => Statement): (db: Handle) => Statement {
  const built = new WeakMap<Handle, Statement>();
  return (db) => {
    let statement = built.get(db);
    if (!statement) built.set(db, (statement = build(db)));
    return statement;
  };
}

/**
 * A raw statement sent as a prepared statement of its connection, built once. Drizzle sends
 * `db.execute(sql)` unprepared, and postgres.js then spends two round trips on it when it has
 * parameters (Parse and Describe, wait for the parameters' types, then Bind and Execute) while
 * PostgreSQL parses and plans it anew every time. Prepared, postgres.js keeps it per connection under
 * its text and sends it in one round trip; PostgreSQL reuses its plan. Every value is a placeholder
 * (`sql.placeholder(name)`), so the text never varies: `build` runs once per process (Drizzle's
 * rendering of a long statement cost the API more than a round trip), and each call only fills the
 * values, inside a transaction or not. `name` only marks it as prepared for Drizzle.
 */
export function preparedStatement<Row>(name: string, build: () => SQL): (db: Db, values: Record<string, unknown>) => Promise<Row[]> {
  let query: Query | undefined;
  return (db, values) => {
    query ??= db.execute(build()).getQuery();
    return db._.session.prepareQuery(query, undefined, name, false).execute(values) as Promise<Row[]>;
  };
}
