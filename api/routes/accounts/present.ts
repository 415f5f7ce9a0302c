/** How accounts are shown by the API: English fields, French labels beside them. */
import type { Context } from 'hono';
import type { Db } from '../../../db/client';
import { type AccountView, findAccountById } from '../../../db/queries/accounts';
import { type CatalogueTheme, listCatalogue, rightsByTheme, rightsOf } from '../../../db/queries/services';
import { CIVILITY_SHORT, holderName, PROFILE_LABELS, type RightLevel, STATUS_LABELS } from '../../../domain/account';
import { parisDay } from '../../../domain/dates';
import type { AppEnv } from '../../env';

/** The instant of the request and its Paris calendar day, read once from the app's clock. */
export function clockOf(c: Context<AppEnv>): { now: Date; today: string } {
  const now = c.var.deps.clock.now();
  return { now, today: parisDay(now) };
}

export function presentSummary(a: AccountView, now: Date) {
  const pending = a.status === 'pending_activation';
  return {
    id: a.id,
    loginId: a.loginId,
    profile: a.profile,
    profileLabel: PROFILE_LABELS[a.profile],
    civility: a.civility,
    civilityLabel: CIVILITY_SHORT[a.civility],
    lastName: a.lastName,
    firstName: a.firstName,
    email: a.email,
    phone: a.phone,
    serviceFunction: a.serviceFunction,
    status: a.status,
    statusLabel: STATUS_LABELS[a.status],
    expiresOn: a.expiresOn,
    lastLoginAt: a.lastLoginAt?.toISOString() ?? null,
    activationLinkExpiresAt: pending ? (a.activationLinkExpiresAt?.toISOString() ?? null) : null,
    activationLinkExpired: pending ? a.activationLinkExpiresAt !== null && a.activationLinkExpiresAt < now : null,
    createdAt: a.createdAt.toISOString(),
  };
}

export function presentDetail(
  a: AccountView,
  now: Date,
  rights: Record<string, RightLevel>,
  catalogue: CatalogueTheme[],
  createdBy: { id: string; loginId: string } | null,
) {
  return {
    ...presentSummary(a, now),
    professionalAddress: a.professionalAddress,
    adminSince: a.adminSince?.toISOString() ?? null,
    termsAcceptableFrom: a.termsAcceptableFrom,
    blockedUntil: a.status === 'blocked' ? (a.blockedUntil?.toISOString() ?? null) : null,
    createdBy,
    rights,
    rightsByTheme: rightsByTheme(catalogue, rights),
  };
}

/** The detail of an account with its rights over the whole catalogue and who created it. */
export async function loadDetail(db: Db, account: AccountView, clock: { now: Date; today: string }) {
  const [rights, catalogue, creator] = await Promise.all([
    rightsOf(db, account.id),
    listCatalogue(db),
    account.createdByAccountId ? findAccountById(db, account.createdByAccountId, clock) : undefined,
  ]);
  return presentDetail(account, clock.now, rights, catalogue, creator ? { id: creator.id, loginId: creator.loginId } : null);
}

/** Step 3 of the guide: the new account, its login id to hand over, and the holder's name. */
export function presentCreated(a: AccountView, now: Date) {
  return { ...presentSummary(a, now), holder: holderName(a) };
}

export { frenchMonth } from '../../../domain/dates';

