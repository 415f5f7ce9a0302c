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
