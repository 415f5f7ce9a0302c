import { sql } from 'drizzle-orm';
import type { Civility, Profile, StoredStatus } from '../../domain/account';
import type { Database } from '../client';
import { preparedStatement } from '../prepared';
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

const RECIPIENT = sql`
    with recipient as (
      select a.id, a.establishment_id, a.login_id, a.email, a.civility, a.last_name, a.profile, a.created_at, a.status, a.expires_on,
             e.name as establishment_name, e.legal_rep_address, e.siret,
             c.id as creator_id, c.civility as creator_civility, c.last_name as creator_last_name, c.phone as creator_phone
      from ${accounts} a
      join ${establishments} e on e.id = a.establishment_id
      left join ${accounts} c on c.id = a.created_by_account_id
      where a.id = ${sql.placeholder('accountId')}::uuid
    )`;

const recipientStatement = preparedStatement<RecipientRow>('link_recipient', () => sql`${RECIPIENT} select * from recipient`);

/**
 * The link's writes, as CTEs after `recipient`: nothing happens unless the holder's row is there with
 * the status asked (any status when `storeIf` is null: a resend). The account shows the expiry of an
 * activation link only.
 */
const recipientWithLinkStatement = preparedStatement<RecipientRow>('link_recipient_store', () => {
  const v = (name: string) => sql.placeholder(name);
  return sql`${RECIPIENT}, eligible as (
      select id from recipient where ${v('storeIf')}::account_status is null or status = ${v('storeIf')}::account_status
    ), revoked as (
      update ${oneTimeTokens} set revoked_at = ${v('now')}::timestamptz
      where account_id in (select id from eligible) and purpose = ${v('purpose')}::token_purpose and token_hash <> ${v('tokenHash')}
        and used_at is null and revoked_at is null
    ), stored as (
      insert into ${oneTimeTokens} (account_id, purpose, token_hash, workflow_id, request_no, expires_at)
      select id, ${v('purpose')}::token_purpose, ${v('tokenHash')}, ${v('workflowId')}, ${v('requestNo')}::int, ${v('expiresAt')}::timestamptz from eligible
      on conflict (token_hash) do nothing
    ), shown as (
      update ${accounts} set activation_link_expires_at = ${v('expiresAt')}::timestamptz
      where id in (select id from eligible) and ${v('purpose')}::token_purpose = 'activation'
    )
    select * from recipient`;
});

/**
 * The holder (deleted included: the status tells), the establishment and the admin who created the
 * account; undefined when the row is absent. With `link`, the same statement stores the link when
 * the holder's status is the one it is for: stored once (a retry finds it), every other open link of
 * its purpose revoked so only the newest works, an activation link's expiry shown on the account.
 * One round trip per email for the read and the writes (every email of a burst of creations runs
 * it; data-modifying CTEs are all or nothing without a transaction's BEGIN and COMMIT), and the
 * writes happen only once the account is seen committed and eligible. Both shapes are prepared
 * statements built once (db/prepared.ts): the worker runs one per email.
 */
export async function findLinkRecipient(db: Database, accountId: string, link?: LinkToStore): Promise<LinkRecipient | undefined> {
  const [row] = link
    ? await recipientWithLinkStatement(db, {
        accountId,
        storeIf: link.storeIf,
        now: link.now.toISOString(),
        purpose: link.purpose,
        tokenHash: link.tokenHash,
        workflowId: link.workflowId,
        requestNo: link.requestNo,
        expiresAt: link.expiresAt.toISOString(),
      })
    : await recipientStatement(db, { accountId });
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
