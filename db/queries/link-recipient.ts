import { sql } from 'drizzle-orm';
import type { Civility, Profile, StoredStatus } from '../../domain/account';
import type { Database } from '../client';
import { accounts, establishments, type NewOneTimeToken, oneTimeTokens } from '../schema';

type Purpose = NewOneTimeToken['purpose'];

/** What a password link's eligibility check and email are made of. */
export interface LinkRecipient {
  account: {
    id: string;
    establishmentId: string;
    loginId: string;
    email: string;
    civility: Civility;
    lastName: string;
    profile: Profile;
    createdAt: Date;
    status: StoredStatus;
    expiresOn: string;
  };
  establishment: { name: string; legalRepAddress: string[]; siret: string };
  /** The admin who created the account; null for the operator's first admin. */
  creator: { civility: Civility; lastName: string; phone: string | null } | null;
}

/** A link to store with the read, when the holder's status is `storeIf` (any status when null: a resend). */
export interface LinkToStore {
  purpose: Purpose;
  tokenHash: string;
  workflowId: string;
  requestNo: number;
  expiresAt: Date;
  storeIf: StoredStatus | null;
  now: Date;
}

interface RecipientRow {
  id: string;
  establishment_id: string;
  login_id: string;
  email: string;
  civility: Civility;
  last_name: string;
  profile: Profile;
  created_at: Date;
  status: StoredStatus;
  expires_on: string;
  establishment_name: string;
  legal_rep_address: string[];
  siret: string;
  creator_id: string | null;
  creator_civility: Civility | null;
  creator_last_name: string | null;
  creator_phone: string | null;
}

/**
 * The holder (deleted included: the status tells), the establishment and the admin who created the
 * account; undefined when the row is absent. With `link`, the same statement stores the link when
 * the holder's status is the one it is for: stored once (a retry finds it), every other open link of
 * its purpose revoked so only the newest works, an activation link's expiry shown on the account.
 * One round trip per email for the read and the writes (every email of a burst of creations runs
 * it; data-modifying CTEs are all or nothing without a transaction's BEGIN and COMMIT), and the
 * writes happen only once the account is seen committed and eligible.
 */
export async function findLinkRecipient(db: Database, accountId: string, link?: LinkToStore): Promise<LinkRecipient | undefined> {
  const writes = link ? linkWrites(link) : sql``;
  const rows = (await db.execute(sql`
    with recipient as (
      select a.id, a.establishment_id, a.login_id, a.email, a.civility, a.last_name, a.profile, a.created_at, a.status, a.expires_on,
             e.name as establishment_name, e.legal_rep_address, e.siret,
             c.id as creator_id, c.civility as creator_civility, c.last_name as creator_last_name, c.phone as creator_phone
      from ${accounts} a
      join ${establishments} e on e.id = a.establishment_id
      left join ${accounts} c on c.id = a.created_by_account_id
      where a.id = ${accountId}::uuid
    )${writes}
    select * from recipient
  `)) as unknown as RecipientRow[];
  const [row] = rows;
  if (!row) return undefined;
  return {
    account: {
      id: row.id,
      establishmentId: row.establishment_id,
      loginId: row.login_id,
      email: row.email,
      civility: row.civility,
      lastName: row.last_name,
      profile: row.profile,
      createdAt: new Date(row.created_at),
      status: row.status,
      expiresOn: row.expires_on,
    },
    establishment: { name: row.establishment_name, legalRepAddress: row.legal_rep_address, siret: row.siret },
    creator: row.creator_id ? { civility: row.creator_civility!, lastName: row.creator_last_name!, phone: row.creator_phone } : null,
  };
}

/** The link's writes, as CTEs after `recipient`: nothing happens unless the holder's row is there with the right status. */
function linkWrites(link: LinkToStore) {
  const expiresAt = link.expiresAt.toISOString();
  const eligible = link.storeIf === null ? sql`select id from recipient` : sql`select id from recipient where status = ${link.storeIf}::account_status`;
  const shownOnAccount =
    link.purpose === 'activation'
      ? sql`, shown as (update ${accounts} set activation_link_expires_at = ${expiresAt}::timestamptz where id in (select id from eligible))`
      : sql``;
  return sql`, eligible as (${eligible}), revoked as (
      update ${oneTimeTokens} set revoked_at = ${link.now.toISOString()}::timestamptz
      where account_id in (select id from eligible) and purpose = ${link.purpose}::token_purpose and token_hash <> ${link.tokenHash}
        and used_at is null and revoked_at is null
    ), stored as (
      insert into ${oneTimeTokens} (account_id, purpose, token_hash, workflow_id, request_no, expires_at)
      select id, ${link.purpose}::token_purpose, ${link.tokenHash}, ${link.workflowId}, ${link.requestNo}::int, ${expiresAt}::timestamptz from eligible
      on conflict (token_hash) do nothing
    )${shownOnAccount}`;
}
