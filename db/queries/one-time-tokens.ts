import { and, eq, gt, isNull, ne } from 'drizzle-orm';
import type { Db } from '../client';
import { accounts, type NewOneTimeToken, oneTimeTokens } from '../schema';

type Purpose = NewOneTimeToken['purpose'];

/** A link that has not been used or revoked yet (its workflow still decides whether it lives). */
export async function findOpenToken(db: Db, tokenHash: string) {
  const [row] = await db
    .select({ token: oneTimeTokens, account: { id: accounts.id, loginId: accounts.loginId, establishmentId: accounts.establishmentId } })
    .from(oneTimeTokens)
    .innerJoin(accounts, eq(accounts.id, oneTimeTokens.accountId))
    .where(and(eq(oneTimeTokens.tokenHash, tokenHash), isNull(oneTimeTokens.usedAt), isNull(oneTimeTokens.revokedAt)));
  return row;
}

export async function stagePassword(db: Db, tokenId: string, passwordHash: string) {
  await db.update(oneTimeTokens).set({ stagedPasswordHash: passwordHash }).where(eq(oneTimeTokens.id, tokenId));
}

/**
 * The link a password page may show its form for: open, not past its expiry, and its account not
 * deleted. The workflow still has the last word when the password is sent.
 */
export async function findLivingLink(db: Db, tokenHash: string, now: Date) {
  const [row] = await db
    .select({ purpose: oneTimeTokens.purpose })
    .from(oneTimeTokens)
    .innerJoin(accounts, eq(accounts.id, oneTimeTokens.accountId))
    .where(
      and(
        eq(oneTimeTokens.tokenHash, tokenHash),
        isNull(oneTimeTokens.usedAt),
        isNull(oneTimeTokens.revokedAt),
        gt(oneTimeTokens.expiresAt, now),
        ne(accounts.status, 'deleted'),
      ),
    );
  return row;
}

const open = and(isNull(oneTimeTokens.usedAt), isNull(oneTimeTokens.revokedAt));

/** The accounts and purposes for which `workflowId` issued links that are still open. */
export async function openLinksOfWorkflow(db: Db, workflowId: string) {
  return db
    .selectDistinct({ accountId: oneTimeTokens.accountId, purpose: oneTimeTokens.purpose })
    .from(oneTimeTokens)
    .where(and(eq(oneTimeTokens.workflowId, workflowId), open));
}

/** Revokes the open links a workflow issued to the account; returns how many were open. */
export async function revokeWorkflowLinks(db: Db, params: { workflowId: string; accountId: string; now: Date }): Promise<number> {
  const revoked = await db
    .update(oneTimeTokens)
    .set({ revokedAt: params.now })
    .where(and(eq(oneTimeTokens.workflowId, params.workflowId), eq(oneTimeTokens.accountId, params.accountId), open))
    .returning({ id: oneTimeTokens.id });
  return revoked.length;
}

/** The link a workflow issued, locked for the rest of the transaction. */
export async function lockWorkflowLink(db: Db, params: { tokenHash: string; workflowId: string; accountId: string }) {
  const [row] = await db
    .select()
    .from(oneTimeTokens)
    .where(and(eq(oneTimeTokens.tokenHash, params.tokenHash), eq(oneTimeTokens.workflowId, params.workflowId), eq(oneTimeTokens.accountId, params.accountId)))
    .for('update');
  return row;
}

/** The link has served: it is used (its staged hash dropped), and the other open links of its purpose die. */
export async function useLink(db: Db, link: { id: string; accountId: string; purpose: Purpose }, now: Date): Promise<void> {
  await db.update(oneTimeTokens).set({ usedAt: now, stagedPasswordHash: null }).where(eq(oneTimeTokens.id, link.id));
  await db
    .update(oneTimeTokens)
    .set({ revokedAt: now })
    .where(and(eq(oneTimeTokens.accountId, link.accountId), eq(oneTimeTokens.purpose, link.purpose), open));
}
