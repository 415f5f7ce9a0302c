import type { Db } from '../client';
import { auditEvents, type NewAuditEvent } from '../schema';

/** Appends one entry to the history. Inside a transaction it lands or vanishes with the change it describes. */
export async function recordAudit(db: Db, event: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values(event);
}
