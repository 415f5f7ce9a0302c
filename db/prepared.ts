import type { SQL } from 'drizzle-orm';
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
 * A raw statement sent as a prepared statement of its connection. Drizzle sends `db.execute(sql)`
 * unprepared, and postgres.js then spends two round trips on it when it has parameters (Parse and
 * Describe, wait for the parameters' types, then Bind and Execute) while PostgreSQL parses and plans
 * it anew every time. Prepared, postgres.js keeps it per connection under its text (which must not
 * vary: values are parameters) and sends it in one round trip; PostgreSQL reuses its plan. `name` only
 * marks it as prepared for Drizzle.
 */
export function executePrepared<Row>(db: Db, name: string, statement: SQL): Promise<Row[]> {
  return db._.session.prepareQuery(db.execute(statement).getQuery(), undefined, name, false).execute() as Promise<Row[]>;
}
