import { msToNumber } from '@temporalio/common/lib/time';
import { ACTIVATION_LINK_VALIDITY } from '../../workflows/activation';
import { and, asc, desc, eq, gt, inArray, isNull, ne, notInArray, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import {
  ACCOUNT_STATUSES,
  type AccountStatus,
  type Civility,
  LOCKOUT_MINUTES,
  MAX_FAILED_LOGINS,
  type Profile,
  type RightLevel,
  type StoredStatus,
} from '../../domain/account';
import { expiryFrom, termsAcceptableFrom } from '../../domain/dates';
import { loginIdPrefix, SEQUENCE_DIGITS } from '../../domain/login-id';
import { foldForSearch } from '../../domain/text';
import type { Db } from '../client';
import { preparedStatement } from '../prepared';
import { accountRights, accounts, auditEvents, establishments, type NewAccount, type NewAuditEvent, oneTimeTokens, services } from '../schema';
import { insertAdminRegistration } from './admin-registrations';
import { auditEntryValues } from './audit';
import { countableAccounts, monthEnd } from './account-counts';
import { effectiveStatus, hasEffectiveStatus } from './account-status';
import { rankedPageIds } from './name-ranks';
import { contains, countSearchMatches, queryWords, searchPageIds, searchPostings } from './search-matches';

/** Who the holder is and how to reach them: what « Mes intervenants » shows of an admin. */
const contactColumns = {
  civility: accounts.civility,
  lastName: accounts.lastName,
  firstName: accounts.firstName,
  email: accounts.email,
  phone: accounts.phone,
  serviceFunction: accounts.serviceFunction,
};

/** What the API shows of an account (never the password hash nor the search column), with its displayed status. */
export function accountColumns(today: string, now: Date) {
  return {
    id: accounts.id,
    establishmentId: accounts.establishmentId,
    loginId: accounts.loginId,
    profile: accounts.profile,
    ...contactColumns,
    professionalAddress: accounts.professionalAddress,
    storedStatus: accounts.status,
    status: effectiveStatus(today, now),
    expiresOn: accounts.expiresOn,
    lastLoginAt: accounts.lastLoginAt,
    adminSince: accounts.adminSince,
    termsAcceptableFrom: accounts.termsAcceptableFrom,
    blockedUntil: accounts.blockedUntil,
    activationLinkExpiresAt: accounts.activationLinkExpiresAt,
    createdByAccountId: accounts.createdByAccountId,
    createdAt: accounts.createdAt,
  };
}

export interface AccountView {
  id: string;
  establishmentId: string;
  loginId: string;
  profile: Profile;
  civility: Civility;
  lastName: string;
  firstName: string;
  email: string;
  phone: string | null;
  serviceFunction: string | null;
  professionalAddress: string[] | null;
  storedStatus: StoredStatus;
  status: AccountStatus;
  expiresOn: string;
  lastLoginAt: Date | null;
  adminSince: Date | null;
  termsAcceptableFrom: string | null;
  blockedUntil: Date | null;
  activationLinkExpiresAt: Date | null;
  createdByAccountId: string | null;
  createdAt: Date;
}

export interface Clockwise {
  today: string;
  now: Date;
}

/** The folded text the list search runs against. */
export function searchTextFor(a: { lastName: string; firstName: string; serviceFunction?: string | null }): string {
  return foldForSearch(`${a.lastName} ${a.firstName} ${a.serviceFunction ?? ''}`);
}

/** Serialises the changes that count admins (deletion) within one establishment. */
export async function lockEstablishment(db: Db, establishmentId: string): Promise<void> {
  await db.select({ id: establishments.id }).from(establishments).where(eq(establishments.id, establishmentId)).for('update');
}

/**
 * One account of one establishment, unless deleted. Always filtered by establishment: an account id
 * from elsewhere is simply not found.
 */
export async function findAccount(
  db: Db,
  params: Clockwise & { establishmentId: string; accountId: string; lock?: boolean },
): Promise<AccountView | undefined> {
  const query = db
    .select(accountColumns(params.today, params.now))
    .from(accounts)
    .where(
      and(
        eq(accounts.id, params.accountId),
        eq(accounts.establishmentId, params.establishmentId),
        ne(accounts.status, 'deleted'),
      ),
    );
  const [row]: AccountView[] = params.lock ? await query.for('update') : await query;
  return row;
}

export async function findAccountById(db: Db, accountId: string, clock: Clockwise): Promise<AccountView | undefined> {
  const [row]: AccountView[] = await db.select(accountColumns(clock.today, clock.now)).from(accounts).where(eq(accounts.id, accountId));
  return row;
}

export async function updateAccount(
  db: Db,
  accountId: string,
  set: Partial<NewAccount>,
  clock: Clockwise,
): Promise<AccountView> {
  const [row]: AccountView[] = await db
    .update(accounts)
    .set({ ...set, updatedAt: clock.now })
    .where(eq(accounts.id, accountId))
    .returning(accountColumns(clock.today, clock.now));
  return row!;
}

export type AccountGroupBy = 'profile' | 'status' | 'expiryMonth';

export interface AccountFilters extends Clockwise {
  establishmentId: string;
  q?: string;
  status?: AccountStatus;
  profile?: Profile;
  /** Only these accounts (an export of a selection). */
  ids?: string[];
}

export function filterConditions(f: AccountFilters): SQL[] {
  const conditions: SQL[] = [eq(accounts.establishmentId, f.establishmentId), ne(accounts.status, 'deleted')];
  for (const word of queryWords(f.q)) conditions.push(contains(accounts.searchText, word));
  if (f.status) conditions.push(hasEffectiveStatus(f.status, f.today, f.now));
  if (f.profile) conditions.push(eq(accounts.profile, f.profile));
  if (f.ids) conditions.push(inArray(accounts.id, f.ids));
  return conditions;
}

const STATUS_ORDER = sql.raw(`array[${ACCOUNT_STATUSES.map((s) => `'${s}'`).join(',')}]::text[]`);

interface GroupExpressions {
  key: SQL<string>;
  order: SQL;
  /** The accounts of the group whose key is `key`, as an indexable condition. */
  has(key: string): SQL;
}

function groupExpressions(groupBy: AccountGroupBy, clock: Clockwise): GroupExpressions {
  switch (groupBy) {
    case 'profile':
      return { key: sql<string>`${accounts.profile}::text`, order: sql`${accounts.profile}`, has: (key) => sql`${accounts.profile} = ${key}` };
    case 'status': {
      const status = effectiveStatus(clock.today, clock.now);
      return {
        key: sql<string>`${status}`,
        order: sql`array_position(${STATUS_ORDER}, ${status})`,
        has: (key) => hasEffectiveStatus(key as AccountStatus, clock.today, clock.now),
      };
    }
    case 'expiryMonth':
      return {
        key: sql<string>`to_char(${accounts.expiresOn}, 'YYYY-MM')`,
        order: sql`to_char(${accounts.expiresOn}, 'YYYY-MM')`,
        has: (key) => sql`${accounts.expiresOn} between ${`${key}-01`}::date and ${monthEnd(`${key}-01`)}::date`,
      };
  }
}

/**
 * The order of the list: group first when grouping, then last name, first name, id (stable across
 * pages). Names compare folded (the search column starts with « last first »), so that `Émile` comes
 * before `Zola`, and byte by byte (the column is COLLATE "C"), the same on every server.
 */
export const NAME_ORDER = [asc(accounts.searchText), asc(accounts.id)];
const NAME_ORDER_DESC = [desc(accounts.searchText), desc(accounts.id)];

/** Whether the list's counts come from the maintained counters: no search, no selection. */
const countedFromCounters = (f: AccountFilters) => !f.ids && queryWords(f.q).length === 0;

/**
 * Where counts come from. Without a search or a selection, the maintained counters
 * (db/queries/account-counts.ts: a few hundred rows whatever the size of the establishment); a search
 * counts its matches, and so does the « Bloqué » filter.
 */
function countSource(f: AccountFilters, groupBy?: AccountGroupBy) {
  // « Bloqué » counts its accounts themselves, off a lockout index (the accounts with a lockout on
  // record: a few percent at most): the counters' correction would read these very accounts, and those
  // expired this month besides (1,367 index entries instead of 2,053 accounts tallied, at 100,000).
  const fromCounters = countedFromCounters(f) && f.status !== 'blocked';
  const byStatus = f.status !== undefined || groupBy === 'status';
  return {
    source: fromCounters ? sql`(${countableAccounts(f.establishmentId, f.today, f.now, byStatus)}) as ${accounts}` : sql`${accounts}`,
    weight: fromCounters ? sql`w` : sql`1`,
    where: and(...filterConditions(f)),
  };
}

/** How many accounts the list holds. */
async function countTotal(db: Db, f: AccountFilters): Promise<number> {
  const { source, weight, where } = countSource(f);
  const [row] = (await db.execute(sql`select coalesce(sum(${weight}), 0)::int as total from ${source} where ${where}`)) as unknown as [
    { total: number },
  ];
  return row.total;
}

/** The count of each group, in list order, in one statement. */
async function countGroups(db: Db, f: AccountFilters, groupBy: AccountGroupBy, group: GroupExpressions) {
  const { source, weight, where } = countSource(f, groupBy);
  const groups = (await db.execute(
    // Parameters differ between the select and a repeated expression: group by position.
    sql`select ${group.key} as key, sum(${weight})::int as count from ${source} where ${where}
        group by 1 having sum(${weight}) <> 0 order by min(${group.order})`,
  )) as unknown as { key: string; count: number }[];
  return groups.map((g) => ({ key: g.key, count: g.count }));
}

/**
 * One stretch of the list in name order. The ids come first, off the list index (the rows skipped
 * by the offset are index entries, not accounts read and thrown away), then their columns. Given
 * `total`, the number of accounts the conditions keep, a stretch in the second half is read from the
 * end of the index backwards: the last page skips a few entries instead of all the others.
 */
async function accountsInNameOrder(db: Db, f: AccountFilters, extra: SQL | undefined, offset: number, limit: number, total?: number) {
  const backwards = total !== undefined && offset > total / 2;
  if (backwards && offset >= total) return [];
  const ids = db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(...filterConditions(f), extra))
    .orderBy(...(backwards ? NAME_ORDER_DESC : NAME_ORDER))
    .limit(backwards ? Math.min(offset + limit, total) - offset : limit)
    .offset(backwards ? Math.max(0, total - offset - limit) : offset);
  return accountsWithIds(db, f, ids);
}

/** The columns of the accounts `ids` selects, in name order. */
async function accountsWithIds(db: Db, clock: Clockwise, ids: SQLWrapper): Promise<AccountView[]> {
  return db
    .select(accountColumns(clock.today, clock.now))
    .from(accounts)
    .where(inArray(accounts.id, ids))
    .orderBy(...NAME_ORDER);
}

/** Where a page read by cursor starts: just after this account, in list order (its group first when grouping). */
export interface ListPosition {
  id: string;
  searchText: string;
  groupKey?: string;
}

/**
 * The position of an account of the establishment in the list (`groupBy`'s key included), for a
 * page that starts after it; undefined when the establishment has no such account.
 */
export async function listPosition(
  db: Db,
  f: Clockwise & { establishmentId: string; groupBy?: AccountGroupBy },
  accountId: string,
): Promise<ListPosition | undefined> {
  const group = f.groupBy ? groupExpressions(f.groupBy, f) : undefined;
  const [row] = await db
    .select({ id: accounts.id, searchText: accounts.searchText, ...(group ? { groupKey: group.key } : {}) })
    .from(accounts)
    .where(and(eq(accounts.id, accountId), eq(accounts.establishmentId, f.establishmentId)));
  return row;
}

/** The accounts after `position` in name order: a range of the list index, as cheap deep in the list as on its first page. */
const afterPosition = (position: ListPosition) => sql`(${accounts.searchText}, ${accounts.id}) > (${position.searchText}, ${position.id}::uuid)`;

type ListedAccount = AccountView & { groupKey?: string };

/**
 * From this offset on, a page by number is deep: the whole list's finds its place from the name ranks,
 * a filtered one waits for the total to know from which end to read. Below it, skipping costs less.
 */
const DEEP_FROM = 2_000;

/**
 * A page of the list: `pageSize` accounts from the `page`-th page, or right after `after` (a keyset
 * cursor: the cost of a page does not grow with its depth), with the total, the group counts when
 * grouping, and `next`, the last account of the page when another page follows (the next cursor).
 * `after` outside the groups listed (an account deleted or moved out of the filter since) gives
 * `positionLost`.
 */
export async function listAccounts(
  db: Db,
  f: AccountFilters & { groupBy?: AccountGroupBy; page: number; pageSize: number; after?: ListPosition },
): Promise<{ items: ListedAccount[]; total: number; groups?: { key: string; count: number }[]; next: string | null; positionLost?: true }> {
  const group = f.groupBy ? groupExpressions(f.groupBy, f) : undefined;
  // One more than the page: whether a next page exists, without counting.
  const limit = f.pageSize + 1;
  if (!group) {
    const offset = (f.page - 1) * f.pageSize;
    let total: number;
    let rows: AccountView[];
    // The whole list deep by number: its place from the name ranks (db/queries/name-ranks.ts).
    const ranked = !f.after && offset >= DEEP_FROM && countedFromCounters(f) && !f.status && !f.profile;
    if (f.after || offset < DEEP_FROM || !countedFromCounters(f) || ranked) {
      // The total and the page do not depend on each other: two connections at once, so a request
      // waits for the slower of the two statements, not for both one after the other.
      // A search with nothing beside it (no status, profile or selection) counts its matches and reads
      // its page off the word postings, in list order: it neither rechecks 13,000 matches of a frequent
      // word nor walks the names before its first match.
      const postings = f.status || f.profile || f.ids ? undefined : searchPostings(f.establishmentId, queryWords(f.q));
      [total, rows] = await Promise.all([
        postings ? countSearchMatches(db, postings) : countTotal(db, f),
        postings
          ? accountsWithIds(db, f, sql`(${searchPageIds(postings, f.after, f.after ? 0 : offset, limit)})`)
          : f.after
            ? accountsInNameOrder(db, f, afterPosition(f.after), 0, limit)
            : ranked
              ? accountsWithIds(db, f, sql`(${rankedPageIds(f.establishmentId, offset, limit)})`)
              : accountsInNameOrder(db, f, undefined, offset, limit),
      ]);
    } else {
      // Deep by number, filtered by status or profile, with a total the counters give at once: the
      // total first, to read the second half of the list from its end. (A search counts its matches:
      // not worth waiting for.)
      total = await countTotal(db, f);
      rows = await accountsInNameOrder(db, f, undefined, offset, limit, total);
    }
    const items = rows.slice(0, f.pageSize);
    return { items, total, next: rows.length > f.pageSize ? items.at(-1)!.id : null };
  }
  // Grouped: the group counts say where the page falls. The first page of the whole establishment
  // grouped by status starts with the pending accounts, unless there are none: their page (a range of
  // accounts_status_order_idx, an index probe when empty) is read beside the counts, two connections
  // at once, and kept when the counts say that group comes first.
  const guess = !f.after && f.page === 1 && f.groupBy === 'status' && !f.q && !f.ids && !f.status && !f.profile ? ACCOUNT_STATUSES[0] : undefined;
  const [groups, guessed] = await Promise.all([
    countGroups(db, f, f.groupBy!, group),
    guess ? accountsInNameOrder(db, f, group.has(guess), 0, limit) : undefined,
  ]);
  const total = groups.reduce((sum, g) => sum + g.count, 0);
  let rows: ListedAccount[];
  if (f.after) {
    const from = groups.findIndex((g) => g.key === f.after!.groupKey);
    if (from === -1) return { items: [], total, groups, next: null, positionLost: true };
    rows = await groupedStretch(db, f, group, groups.slice(from), 0, limit, afterPosition(f.after));
  } else {
    const firstRead = guessed && groups[0]?.key === guess ? guessed : undefined;
    rows = await groupedStretch(db, f, group, groups, (f.page - 1) * f.pageSize, limit, undefined, firstRead);
  }
  const items = rows.slice(0, f.pageSize);
  return { items, total, groups, next: rows.length > f.pageSize ? items.at(-1)!.id : null };
}

/**
 * `limit` accounts of a grouped list from `offset` within `groups` (the first of them read only
 * after `after` when given). The group counts say which groups the stretch spans; each is read in
 * name order off the index with its own condition, instead of sorting every account by group.
 * `firstRead`: the first group's first `limit` accounts, already read.
 */
async function groupedStretch(
  db: Db,
  f: AccountFilters,
  group: GroupExpressions,
  groups: { key: string; count: number }[],
  offset: number,
  limit: number,
  after?: SQL,
  firstRead?: AccountView[],
): Promise<ListedAccount[]> {
  const items: ListedAccount[] = [];
  let start = 0;
  for (const [i, g] of groups.entries()) {
    // By offset, the counts place the stretch in each group; after a keyset, each group is read from
    // its start (the first one after the keyset) up to what is still missing.
    const from = after ? 0 : Math.max(offset, start) - start;
    const count = after ? limit - items.length : Math.min(offset + limit, start + g.count) - Math.max(offset, start);
    if (count > 0) {
      const rows =
        i === 0 && firstRead && from === 0
          ? firstRead.slice(0, count)
          : await accountsInNameOrder(db, f, and(group.has(g.key), i === 0 ? after : undefined), from, count, after ? undefined : g.count);
      items.push(...rows.map((row) => ({ ...row, groupKey: g.key })));
    }
    start += g.count;
    if (items.length >= limit || (!after && start >= offset + limit)) break;
  }
  return items;
}

/**
 * How many admins of the establishment are active (displayed status), leaving out `excludeIds`
 * (the accounts about to be deleted).
 */
export async function countActiveAdmins(
  db: Db,
  params: Clockwise & { establishmentId: string; excludeIds?: string[] },
): Promise<number> {
  const conditions = [
    eq(accounts.establishmentId, params.establishmentId),
    eq(accounts.profile, 'admin'),
    sql`${effectiveStatus(params.today, params.now)} = 'active'`,
  ];
  if (params.excludeIds?.length) conditions.push(notInArray(accounts.id, params.excludeIds));
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(accounts).where(and(...conditions));
  return row?.n ?? 0;
}

/** « Mes intervenants » : the establishment's active admins. */
export async function listActiveAdmins(db: Db, params: Clockwise & { establishmentId: string }) {
  return db
    .select({ id: accounts.id, ...contactColumns })
    .from(accounts)
    .where(
      and(
        eq(accounts.establishmentId, params.establishmentId),
        eq(accounts.profile, 'admin'),
        sql`${effectiveStatus(params.today, params.now)} = 'active'`,
      ),
    )
    .orderBy(...NAME_ORDER);
}

/** The account's links still open (password creation or reset) stop working. */
export async function revokeOpenLinks(db: Db, accountId: string, now: Date): Promise<void> {
  await db
    .update(oneTimeTokens)
    .set({ revokedAt: now })
    .where(and(eq(oneTimeTokens.accountId, accountId), isNull(oneTimeTokens.usedAt), isNull(oneTimeTokens.revokedAt)));
}

// ---- Login ----

/** The account a login id names, with what the login decision needs (including the password hash). */
export async function findAccountForLogin(db: Db, loginId: string, clock: Clockwise) {
  const [row]: (AccountView & { passwordHash: string | null })[] = await db
    .select({ ...accountColumns(clock.today, clock.now), passwordHash: accounts.passwordHash })
    .from(accounts)
    .where(eq(accounts.loginId, loginId));
  return row;
}

/**
 * Counts one more failure, atomically; the failure that reaches MAX_FAILED_LOGINS blocks the account
 * for LOCKOUT_MINUTES and starts a new count.
 */
export async function recordLoginFailure(db: Db, accountId: string, now: Date) {
  const reaches = sql`${accounts.failedLoginCount} + 1 >= ${MAX_FAILED_LOGINS}`;
  const until = new Date(now.getTime() + LOCKOUT_MINUTES * 60_000);
  const [row] = await db
    .update(accounts)
    .set({
      failedLoginCount: sql`case when ${reaches} then 0 else ${accounts.failedLoginCount} + 1 end`,
      blockedUntil: sql`case when ${reaches} then ${until.toISOString()}::timestamptz else ${accounts.blockedUntil} end`,
    })
    .where(eq(accounts.id, accountId))
    .returning({ failedLoginCount: accounts.failedLoginCount, blockedUntil: accounts.blockedUntil });
  return { failedLoginCount: row!.failedLoginCount, blocked: row!.blockedUntil !== null && row!.blockedUntil > now, blockedUntil: row!.blockedUntil };
}

/** A successful login; `passwordHash` when the password is stored again with today's parameters. */
export async function recordLoginSuccess(db: Db, accountId: string, now: Date, passwordHash?: string): Promise<void> {
  await db
    .update(accounts)
    .set({ lastLoginAt: now, failedLoginCount: 0, blockedUntil: null, ...(passwordHash ? { passwordHash } : {}) })
    .where(eq(accounts.id, accountId));
}

// ---- Creation ----

export interface AccountCoordinates {
  profile: Profile;
  civility: Civility;
  lastName: string;
  firstName: string;
  email: string;
  phone?: string | null;
  serviceFunction?: string | null;
  professionalAddress?: string[] | null;
}

/** A creation's outcome: the account and its establishment's SIRET, or why nothing was written. */
export type CreatedAccount =
  | { outcome: 'created'; account: AccountView; establishmentSiret: string }
  | { outcome: 'no_establishment' }
  | { outcome: 'unknown_services'; codes: string[] };

/** `createAccountRecord`'s statement, its values as placeholders: built once, only the values change. */
const creatingStatement = preparedStatement<{ siret: string; unknown: string[]; id: string | null; login_id: string | null; status: AccountStatus | null }>(
  'create_account',
  () => {
    const v = (name: string) => sql.placeholder(name);
    return sql`
    with establishment as (
      select id, siret, default_rights from ${establishments} where id = ${v('establishmentId')}
    ), asked as (
      select key as code, value as level from jsonb_each_text(${v('requestedRights')}::jsonb)
    ), unknown as (
      select coalesce(array_agg(asked.code), '{}') as codes from asked where not exists (select from ${services} s where s.code = asked.code)
    ), resolved as (
      select s.code, coalesce(asked.level, establishment.default_rights ->> s.code, 'none') as level
      from establishment cross join ${services} s left join asked on asked.code = s.code
    ), created as (
      insert into ${accounts} (establishment_id, login_id, profile, civility, last_name, first_name, email, phone, service_function,
        professional_address, status, password_hash, password_changed_at, activation_link_expires_at, expires_on, admin_since,
        terms_acceptable_from, search_text, created_by_account_id, created_at, updated_at)
      select establishment.id, ${v('loginIdPrefix')} || lpad(nextval('login_id_seq')::text, ${SEQUENCE_DIGITS}, '0'),
        ${v('profile')}, ${v('civility')}, ${v('lastName')}, ${v('firstName')}, ${v('email')}, ${v('phone')}, ${v('serviceFunction')},
        ${v('professionalAddress')}, ${v('storedStatus')}, ${v('passwordHash')},
        ${v('passwordChangedAt')}, ${v('activationLinkExpiresAt')}, ${v('expiresOn')}, ${v('adminSince')},
        ${v('termsAcceptableFrom')}, ${v('searchText')}, ${v('createdByAccountId')}, ${v('now')}, ${v('now')}
      from establishment, unknown where cardinality(unknown.codes) = 0
      returning id, login_id, ${effectiveStatus(v('today'), v('now'))} as status
    ), audit as (
      insert into ${auditEvents} (request_id, actor_type, actor_account_id, actor_label, actor_establishment_id, establishment_id,
        target_account_id, action, outcome, after)
      select ${v('requestId')}, ${v('actorType')}::actor_type, ${v('actorAccountId')}::uuid, ${v('actorLabel')},
        ${v('actorEstablishmentId')}::uuid, ${v('entryEstablishmentId')}::uuid, created.id, ${v('action')}, ${v('outcome')}::audit_outcome,
        ${v('after')}::jsonb
          || jsonb_build_object('loginId', created.login_id, 'rights', (select coalesce(jsonb_object_agg(code, level), '{}') from resolved))
      from created
    ), rights as (
      insert into ${accountRights} (account_id, service_code, level)
      select created.id, resolved.code, resolved.level::right_level from created, resolved
    )
    select establishment.siret, unknown.codes as unknown, created.id, created.login_id, created.status
    from establishment cross join unknown left join created on true`;
  },
);

/**
 * Writes a new account, its rights (one row per service of the catalogue: the right asked, else the
 * establishment's default, else « Aucun ») and its `account.create` history entry in one statement
 * (data-modifying CTEs), then, for an admin, its registration (the legal representative's letter).
 * The same statement reads what it needs of the establishment (its default rights, its SIRET for
 * the workflows) and of the catalogue: nothing is written when the establishment does not exist or
 * when a right names a service the catalogue does not know (both said by the outcome). The login id
 * comes from the platform-wide sequence, numbered by the database in the same statement. Expiry: 18
 * months from today. Run it inside the creating transaction: the entry lands or vanishes with the
 * account.
 *
 * Written as SQL text whose only variable parts are parameters, not with the query builder: building
 * this statement with Drizzle's builder took more of the API's CPU than PostgreSQL spent writing the
 * account, and reading the establishment and the catalogue in it spares a round trip per creation
 * (README, « Creation: where a creation's CPU goes »). Everything the answer shows is known before the
 * insert but the id, the login id and the displayed status, which the statement returns.
 */
export async function createAccountRecord(
  db: Db,
  params: Clockwise & {
    establishmentId: string;
    coordinates: AccountCoordinates;
    /** The rights asked for; every other service of the catalogue gets the establishment's default. */
    requestedRights: Record<string, RightLevel>;
    createdByAccountId: string | null;
    /** Who creates it, as the history names them; the entry's target and content come from the account. */
    audit: Omit<NewAuditEvent, 'action' | 'outcome' | 'targetAccountId' | 'before' | 'after' | 'establishmentId'>;
    /** Set only by the demo seed: an account whose password is already chosen. */
    passwordHash?: string;
  },
): Promise<CreatedAccount> {
  const c = params.coordinates;
  const known = {
    establishmentId: params.establishmentId,
    profile: c.profile,
    civility: c.civility,
    lastName: c.lastName,
    firstName: c.firstName,
    email: c.email,
    phone: c.phone ?? null,
    serviceFunction: c.serviceFunction ?? null,
    professionalAddress: c.professionalAddress ?? null,
    storedStatus: params.passwordHash ? ('active' as const) : ('pending_activation' as const),
    expiresOn: expiryFrom(params.today),
    lastLoginAt: null,
    adminSince: c.profile === 'admin' ? params.now : null,
    termsAcceptableFrom: c.profile === 'admin' ? termsAcceptableFrom(params.now) : null,
    blockedUntil: null,
    // Known from the start so the creation answer shows it; the activation workflow's first email
    // writes its own value (the same instant, a moment later) when it issues the link.
    activationLinkExpiresAt: params.passwordHash ? null : new Date(params.now.getTime() + msToNumber(ACTIVATION_LINK_VALIDITY)),
    createdByAccountId: params.createdByAccountId,
    createdAt: params.now,
  };
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  const now = params.now.toISOString();
  // The entry's content is the account as written: everything but the login id and the rights is
  // known before the statement; those two are set by it.
  const entry = auditEntryValues({
    ...params.audit,
    establishmentId: params.establishmentId,
    action: 'account.create',
    outcome: 'success',
    after: accountSnapshot({ ...known, loginId: '' }),
  });
  const [row] = await creatingStatement(db, {
    establishmentId: known.establishmentId,
    requestedRights: JSON.stringify(params.requestedRights),
    loginIdPrefix: loginIdPrefix(c.firstName, c.lastName),
    profile: known.profile,
    civility: known.civility,
    lastName: known.lastName,
    firstName: known.firstName,
    email: known.email,
    phone: known.phone,
    serviceFunction: known.serviceFunction,
    // As the column writes it (a PostgreSQL array literal); Drizzle's placeholder would not skip a null.
    professionalAddress: known.professionalAddress && accounts.professionalAddress.mapToDriverValue(known.professionalAddress),
    storedStatus: known.storedStatus,
    passwordHash: params.passwordHash ?? null,
    passwordChangedAt: params.passwordHash ? now : null,
    activationLinkExpiresAt: iso(known.activationLinkExpiresAt),
    expiresOn: known.expiresOn,
    adminSince: iso(known.adminSince),
    termsAcceptableFrom: known.termsAcceptableFrom,
    searchText: searchTextFor(c),
    createdByAccountId: known.createdByAccountId,
    now,
    today: params.today,
    requestId: entry.requestId ?? null,
    actorType: entry.actorType,
    actorAccountId: entry.actorAccountId ?? null,
    actorLabel: entry.actorLabel ?? null,
    actorEstablishmentId: entry.actorEstablishmentId ?? null,
    entryEstablishmentId: entry.establishmentId ?? null,
    action: entry.action,
    outcome: entry.outcome,
    after: JSON.stringify(entry.after),
  });
  if (!row) return { outcome: 'no_establishment' };
  if (row.unknown.length > 0) return { outcome: 'unknown_services', codes: row.unknown };
  const account: AccountView = { ...known, id: row.id!, loginId: row.login_id!, status: row.status! };
  if (c.profile === 'admin') {
    await insertAdminRegistration(db, {
      accountId: account.id,
      establishmentId: params.establishmentId,
      reason: 'created',
      grantedByAccountId: params.createdByAccountId,
      grantedAt: params.now,
    });
  }
  return { outcome: 'created', account, establishmentSiret: row.siret };
}

/** What the history keeps of an account: its fields and rights, never a secret. */
export function accountSnapshot(
  account: Pick<
    AccountView,
    | 'loginId'
    | 'profile'
    | 'civility'
    | 'lastName'
    | 'firstName'
    | 'email'
    | 'phone'
    | 'serviceFunction'
    | 'professionalAddress'
    | 'storedStatus'
    | 'expiresOn'
    | 'adminSince'
    | 'termsAcceptableFrom'
  >,
  rights?: Record<string, RightLevel>,
) {
  return {
    loginId: account.loginId,
    profile: account.profile,
    civility: account.civility,
    lastName: account.lastName,
    firstName: account.firstName,
    email: account.email,
    phone: account.phone,
    serviceFunction: account.serviceFunction,
    professionalAddress: account.professionalAddress,
    status: account.storedStatus,
    expiresOn: account.expiresOn,
    adminSince: account.adminSince?.toISOString() ?? null,
    termsAcceptableFrom: account.termsAcceptableFrom,
    ...(rights ? { rights } : {}),
  };
}

// ---- Look-ups of the public password endpoints and of the activities ----

/** Accounts a forgotten-password request may reach: by login id or email (case aside), active or blocked. */
export async function findResettableAccounts(db: Db, identifier: string, clock: Clockwise) {
  const status = effectiveStatus(clock.today, clock.now);
  return db
    .select({ id: accounts.id, loginId: accounts.loginId, siret: establishments.siret })
    .from(accounts)
    .innerJoin(establishments, eq(establishments.id, accounts.establishmentId))
    .where(sql`(upper(${accounts.loginId}) = upper(${identifier}) or lower(${accounts.email}) = lower(${identifier})) and ${status} in ('active', 'blocked')`);
}

/** The non-deleted accounts with this email (case aside), for the forgotten login id. */
export async function findAccountsByEmail(db: Db, email: string) {
  return db
    .select({ id: accounts.id, loginId: accounts.loginId, siret: establishments.siret })
    .from(accounts)
    .innerJoin(establishments, eq(establishments.id, accounts.establishmentId))
    .where(and(sql`lower(${accounts.email}) = lower(${email})`, ne(accounts.status, 'deleted')));
}

/** The account's id when it belongs to the establishment (deleted or not), else undefined. */
export async function accountIdWithin(db: Db, accountId: string, establishmentId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(eq(accounts.id, accountId), eq(accounts.establishmentId, establishmentId)));
  return row?.id;
}

/** The whole stored account (stored status, deleted included) and its establishment: what emails are made of. */
export async function findAccountWithEstablishment(db: Db, accountId: string) {
  const [row] = await db
    .select({ account: accounts, establishment: establishments })
    .from(accounts)
    .innerJoin(establishments, eq(establishments.id, accounts.establishmentId))
    .where(eq(accounts.id, accountId));
  return row;
}

/** The stored account row, locked for the rest of the transaction. */
export async function lockAccountRow(db: Db, accountId: string) {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
  return row;
}

/** The activation link died before its date (cancelled, terminated): the account stops showing it as living. */
export async function endActivationLinkAt(db: Db, accountId: string, now: Date): Promise<void> {
  await db
    .update(accounts)
    .set({ activationLinkExpiresAt: now })
    .where(and(eq(accounts.id, accountId), gt(accounts.activationLinkExpiresAt, now)));
}

/** Writes columns of the stored account as they are (the activities' changes: link expiry, password). */
export async function setAccountColumns(db: Db, accountId: string, set: Partial<NewAccount>): Promise<void> {
  await db.update(accounts).set(set).where(eq(accounts.id, accountId));
}
