/**
 * The activation lifecycle on Temporal's time-skipping test server: days pass in milliseconds.
 * Real activities, real PostgreSQL, real mail sink, and the real API for the holder's side.
 */
import { temporal } from '@temporalio/proto';
import { eq } from 'drizzle-orm';
import { describe, expect, inject, it, vi } from 'vitest';
import { createActivities } from '../../activities';
import { createMailer } from '../../activities/mailer';
import { notifyAccountDeleted, resendActivation, startActivation } from '../../accounts';
import { notifyRenewal } from '../../accounts/lifecycles';
import { accounts, auditEvents, oneTimeTokens } from '../../db/schema';
import { createMailSinkClient } from '../../dev/mail-sink';
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { addMonths, expiryInstant } from '../../domain/dates';
import { accountDeletedSignal, searchAttributes, statusQuery, validityStatusQuery, workflowIds } from '../../workflows/definitions';
import { insertAccount, insertEstablishment } from '../support/fixtures';
import { recordHistory } from '../support/histories';
import { useTimeSkippingStack } from '../support/time-skipping';
import { activationWorkflow } from '../../workflows';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const PASSWORD = 'Printemps-2026';

const mail = () => createMailSinkClient(inject('stack').mailSinkUrl);

// One time-skipping server per test: each account's validity workflow (started by its activation as it
// ends) waits 18 months, and the server skips to it whenever a test awaits a result with nothing else to do.
const ts = useTimeSkippingStack({ name: 'activation', perTest: true });


async function pendingAccount() {
  const establishment = await insertEstablishment(ts.deps.db);
  const account = await insertAccount(ts.deps.db, establishment.id, { status: 'pending_activation' });
  await startActivation(ts.deps, account, establishment.siret);
  const handle = ts.env.client.workflow.getHandle(workflowIds.activation(account.loginId));
  return { establishment, account, handle };
}

/** The token of the `n`th password-creation email the holder received (within 20 s). */
async function linkNo(email: string, n: number): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const all = (await mail().list({ to: email })).filter((m) => m.subject === 'Vous pouvez créer votre mot de passe').reverse();
    if (all.length >= n) {
      const token = /token=([A-Za-z0-9_-]+)/.exec(all[n - 1]!.text ?? '')?.[1];
      expect(token).toBeTruthy();
      return token!;
    }
    if (Date.now() > deadline) throw new Error(`email n°${n} to ${email} did not arrive within 20 s (${all.length} arrived)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function setPassword(token: string) {
  return ts.app.request('/auth/password', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, password: PASSWORD, passwordConfirmation: PASSWORD }),
  });
}

/** What the Temporal UI shows: static summary/details of the start, current details of the workflow. */
async function operatorView(handle: { workflowId: string }) {
  const h = ts.env.client.workflow.getHandle(handle.workflowId);
  const description = await h.describe();
  const metadata = await h.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return {
    summary: await description.staticSummary(),
    details: await description.staticDetails(),
    current: metadata.currentDetails ?? '',
    state: description.typedSearchAttributes.get(searchAttributes.lifecycleState),
  };
}

/** The summaries the UI shows on the timeline (timers and activities), in history order. */
async function eventSummaries(handle: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> }) {
  const history = await handle.fetchHistory();
  const converter = ts.env.client.options.loadedDataConverter.payloadConverter;
  return (history.events ?? [])
    .filter((e) => e.userMetadata?.summary && !e.workflowExecutionStartedEventAttributes)
    .map((e) => converter.fromPayload<string>(e.userMetadata!.summary!));
}

/**
 * What a run wrote besides its start: the search-attribute upserts (each a visibility write) and the
 * markers, by name (`core_patch`: a `patched()` call, which also upserts `TemporalChangeVersion`).
 */
async function upsertsAndMarkers(handle: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> }) {
  const events = (await handle.fetchHistory()).events ?? [];
  return {
    upserts: events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length,
    markers: events.flatMap((e) => (e.markerRecordedEventAttributes ? [e.markerRecordedEventAttributes.markerName] : [])),
  };
}

/** The account's validity workflow, once its activation has started it. */
async function validityOf(account: { loginId: string }) {
  const handle = ts.env.client.workflow.getHandle(workflowIds.validity(account.loginId));
  await vi.waitFor(() => handle.describe(), { timeout: 15_000, interval: 200 });
  return handle;
}

/** Version 5: no validity workflow while the activation is in its first-link phase. */
async function expectNoValidity(account: { loginId: string }) {
  await expect(ts.env.client.workflow.getHandle(workflowIds.validity(account.loginId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

/** The stored expiry moves (as a renewal writes it) while the activation waits: the validity must start with this one. */
async function moveStoredExpiry(account: { id: string; expiresOn: string }): Promise<string> {
  const expiresOn = addMonths(account.expiresOn, 2);
  await ts.deps.db.update(accounts).set({ expiresOn }).where(eq(accounts.id, account.id));
  return expiresOn;
}

/** The validity workflow follows `expiresOn`: its input, its ExpiresAt attribute and its status query. */
async function expectValidityUntil(account: { loginId: string }, expiresOn: string) {
  const validity = await validityOf(account);
  const described = await validity.describe();
  expect(described.parentExecution).toBeUndefined();
  expect(described.typedSearchAttributes.get(searchAttributes.expiresAt)?.toISOString()).toBe(expiryInstant(expiresOn).toISOString());
  expect((await validity.query(validityStatusQuery)).expiresOn).toBe(expiresOn);
  return validity;
}

/** A pending account's activation started as an earlier version's creation started it (`version` absent: before version 2). */
async function startedAsBefore(version: number | undefined) {
  const establishment = await insertEstablishment(ts.deps.db);
  const account = await insertAccount(ts.deps.db, establishment.id, { status: 'pending_activation' });
  const handle = await ts.env.client.workflow.start(activationWorkflow, {
    workflowId: workflowIds.activation(account.loginId),
    taskQueue: ts.deps.config.temporal.taskQueue,
    args: [{ accountId: account.id, loginId: account.loginId, establishmentSiret: establishment.siret, validity: { expiresOn: account.expiresOn }, version }],
  });
  return { account, handle };
}

async function storedStatus(accountId: string) {
  const [row] = await ts.deps.db.select({ status: accounts.status }).from(accounts).where(eq(accounts.id, accountId));
  return row!.status;
}

describe('activation workflow (time skipping)', () => {
  it('activates when the password is set on day 14, and the link cannot serve twice', async () => {
    const { account, handle } = await pendingAccount();
    const token = await linkNo(account.email, 1);
    const waiting = await vi.waitFor(async () => {
      const view = await operatorView(handle);
      expect(view.state).toBe('link_sent');
      return view;
    }, { timeout: 15_000, interval: 200 });
    expect(waiting.summary).toBe(`Activation du compte ${account.loginId} (lien valable 15 jours)`);
    expect(waiting.details).toContain(`**Activation du compte ${account.loginId}** — établissement SIRET`);
    expect(waiting.current).toMatch(/^En attente du titulaire : lien n°1 envoyé le \d{2}\/\d{2}\/\d{4} à \d{2}:\d{2}, valable jusqu'au /);
    for (const view of [waiting.summary, waiting.details, waiting.current]) {
      expect(view, 'no personal data').not.toMatch(new RegExp(`${account.lastName}|${account.email}`));
    }
    expect(waiting.details).toContain("Suivi de validité du compte (`validity-<identifiant>`) : démarré à la fin de l'activation");
    // Version 5: the account's validity does not start in the burst of first emails, nor during the first link's 15 days.
    await expectNoValidity(account);
    await ts.env.sleep(14 * DAY);
    await expectNoValidity(account);
    const expiresOn = await moveStoredExpiry(account);

    const res = await setPassword(token);
    expect(res.status).toBe(200);
    expect(await handle.result()).toBe('password_set'); // (the server then skips to the validity's expiry: nothing else waits)
    expect(await storedStatus(account.id)).toBe('active');
    // The activation started the account's validity as it ended, with the expiry stored then, through
    // the client (not as its child). Versioned by input: the validity's first task writes no marker and
    // no search attribute (its start gave them).
    const validity = await expectValidityUntil(account, expiresOn);
    expect(await upsertsAndMarkers(validity)).toEqual({ upserts: 0, markers: [] });
    const done = await operatorView(handle);
    expect(done.current).toMatch(/^Terminé le .* — Mot de passe créé : le compte est actif\. \(lien n°1\)$/);
    expect(done.state).toBe('password_set');
    expect(await eventSummaries(handle)).toEqual(['Envoi du lien n°1 par courriel', 'Validité du lien n°1 (15 jours)']);

    const again = await setPassword(token);
    expect(again.status).toBe(410);
    expect(await again.json()).toMatchObject({ code: 'link_invalid' });

    await recordHistory('activation-starts-validity-v5', handle);
    // The validity workflow outlives the activation: still running once the activation is done.
    expect((await ts.env.client.workflow.getHandle(workflowIds.validity(account.loginId)).describe()).status.name).toBe('RUNNING');
    // No patch markers either: the first link's one local activity (check and send, version 3) and the
    // states the start did not give (link_sent, then password_set). The validity's start (version 5) was
    // the password's application's last step: no event of its own.
    expect(await upsertsAndMarkers(handle)).toEqual({ upserts: 2, markers: ['core_local_activity'] });
  });

  it('an activation started in version 2 still checks, then sends, in two local activities', async () => {
    const { account, handle } = await startedAsBefore(2);
    await linkNo(account.email, 1);
    const validity = await validityOf(account);
    expect((await validity.describe()).parentExecution).toBeUndefined();
    await vi.waitFor(async () => expect((await operatorView(handle)).state).toBe('link_sent'), { timeout: 15_000, interval: 200 });
    expect((await upsertsAndMarkers(handle)).markers).toEqual(['core_local_activity', 'core_local_activity']);
  });

  it('an activation started in version 4 still starts its validity in its first send', async () => {
    const { account, handle } = await startedAsBefore(4);
    await linkNo(account.email, 1);
    await vi.waitFor(async () => expect((await operatorView(handle)).state).toBe('link_sent'), { timeout: 15_000, interval: 200 });
    await expectValidityUntil(account, account.expiresOn);
    expect((await upsertsAndMarkers(handle)).markers).toEqual(['core_local_activity']);
  });

  it('an activation started before version 2 (no version in its input) still starts its validity as its child', async () => {
    const { account, handle } = await startedAsBefore(undefined);
    await linkNo(account.email, 1);
    const validity = await validityOf(account);
    expect((await validity.describe()).parentExecution?.workflowId).toBe(workflowIds.activation(account.loginId));
    expect((await upsertsAndMarkers(handle)).markers).toContain('core_patch');
  });

  it('a creation that rolled back gets neither an email nor a validity workflow', async () => {
    const establishment = await insertEstablishment(ts.deps.db);
    const ghost = { id: randomUUID(), loginId: `GHA${String(Date.now()).slice(-6)}`, expiresOn: '2028-05-23' };
    await startActivation(ts.deps, ghost, establishment.siret);
    const handle = ts.env.client.workflow.getHandle(workflowIds.activation(ghost.loginId));
    expect(await handle.result()).toBe('account_not_eligible');
    await expect(ts.env.client.workflow.getHandle(workflowIds.validity(ghost.loginId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('version 4: a deletion that only the activation heard (its validity had not started yet) ends the validity too', async () => {
    const { account, handle } = await startedAsBefore(4);
    const validity = await validityOf(account);
    await ts.deps.db.update(accounts).set({ status: 'deleted', deletedAt: new Date() }).where(eq(accounts.id, account.id));
    await handle.signal(accountDeletedSignal); // as when the deletion's own signal to validity-<loginId> found nothing
    expect(await handle.result()).toBe('cancelled');
    expect(await validity.result()).toBe('deleted');
  });

  it('a renewal of the pending account opens its validity; the activation, as it ends, finds it running', async () => {
    const { establishment, account, handle } = await pendingAccount();
    const token = await linkNo(account.email, 1);
    await expectNoValidity(account);
    const expiresOn = await moveStoredExpiry(account);
    await notifyRenewal(ts.deps, { ...account, expiresOn }, establishment.siret); // signalWithStart: started with the new expiry
    const opened = await expectValidityUntil(account, expiresOn);
    const runId = (await opened.describe()).runId;

    expect((await setPassword(token)).status).toBe(200);
    expect(await handle.result()).toBe('password_set');
    const after = await expectValidityUntil(account, expiresOn);
    expect((await after.describe()).runId).toBe(runId); // USE_EXISTING: the same run
  });

  it('kills the link at day 15 plus one minute; the account stays pending and shows the dead link', async () => {
    const { account, handle } = await pendingAccount();
    const token = await linkNo(account.email, 1);
    await ts.env.sleep(15 * DAY - MINUTE);
    await expectNoValidity(account);
    const expiresOn = await moveStoredExpiry(account);
    await ts.env.sleep(2 * MINUTE);

    expect(await handle.result()).toBe('link_expired');
    // The account stays pending, and now has its validity, with the expiry stored when the link died.
    await expectValidityUntil(account, expiresOn);
    const expired = await operatorView(handle);
    expect(expired.state).toBe('link_expired');
    expect(expired.current).toContain('lien n°1 expiré sans mot de passe créé');
    await recordHistory('activation-expired-with-details-v5', handle);
    const res = await setPassword(token);
    expect(res.status).toBe(410);
    const [row] = await ts.deps.db.select().from(accounts).where(eq(accounts.id, account.id));
    expect(row!.status).toBe('pending_activation');
    expect(row!.passwordHash).toBeNull();
    expect(row!.activationLinkExpiresAt!.getTime()).toBeLessThan((await handle.describe()).closeTime!.getTime());
  });

  it('a resend on day 10 gives 15 new days and kills the old link', async () => {
    const { establishment, account, handle } = await pendingAccount();
    const first = await linkNo(account.email, 1);
    await ts.env.sleep(10 * DAY);
    await expectNoValidity(account);
    const expiresOn = await moveStoredExpiry(account);
    await resendActivation(ts.deps, account, establishment.siret);
    const second = await linkNo(account.email, 2);
    expect(second).not.toBe(first);
    // The admin's resend keeps the activation past its first 15 days: the validity starts with it.
    await expectValidityUntil(account, expiresOn);

    expect((await setPassword(first)).status).toBe(410);
    await ts.env.sleep(14 * DAY); // day 24: past the first link's 15 days, within the second's
    expect((await handle.query(statusQuery)).stage).toBe('link_sent');
    expect((await setPassword(second)).status).toBe(200);
    expect(await handle.result()).toBe('password_set');
    expect((await handle.query(statusQuery)).linksSent).toBe(2);
    expect(await eventSummaries(handle)).toEqual([
      'Envoi du lien n°1 par courriel',
      'Validité du lien n°1 (15 jours)',
      'Envoi du lien n°2 par courriel (renvoi)',
      'Validité du lien n°2 (15 jours)',
    ]);
    await recordHistory('activation-resend-then-password-with-details-v5', handle);
  });

  it('a resend after the link died opens a new run that accepts the new link', async () => {
    const { establishment, account, handle } = await pendingAccount();
    const dead = await linkNo(account.email, 1);
    await ts.env.sleep(16 * DAY);
    expect(await handle.result()).toBe('link_expired');

    await resendActivation(ts.deps, account, establishment.siret);
    const fresh = await linkNo(account.email, 2);
    expect((await setPassword(dead)).status).toBe(410);
    expect((await setPassword(fresh)).status).toBe(200);
    const newRun = ts.env.client.workflow.getHandle(workflowIds.activation(account.loginId));
    expect(await newRun.result()).toBe('password_set');
    expect(await storedStatus(account.id)).toBe('active');
  });

  it('deleting the account ends the workflow; a password sent afterwards changes nothing', async () => {
    const { account, handle } = await pendingAccount();
    const token = await linkNo(account.email, 1);
    await ts.deps.db.update(accounts).set({ status: 'deleted', deletedAt: new Date() }).where(eq(accounts.id, account.id));
    await notifyAccountDeleted(ts.deps, account);
    await notifyAccountDeleted(ts.deps, account); // twice: harmless
    expect(await handle.result()).toBe('cancelled');
    expect((await setPassword(token)).status).toBe(410);
    expect(await storedStatus(account.id)).toBe('deleted');
    expect((await operatorView(handle)).current).toContain('compte supprimé : le lien ne fonctionne plus');
    // Deleted during its first link: the account never gets a validity workflow (nothing to tell either).
    await expectNoValidity(account);
    await recordHistory('activation-deleted-with-details-v5', handle);
  });

  it('a resend after activation changes nothing', async () => {
    const { establishment, account, handle } = await pendingAccount();
    expect((await setPassword(await linkNo(account.email, 1))).status).toBe(200);
    expect(await handle.result()).toBe('password_set');
    await resendActivation(ts.deps, account, establishment.siret); // a late signal: starts a run that finds the account active
    const late = ts.env.client.workflow.getHandle(workflowIds.activation(account.loginId));
    expect(await late.result()).toBe('account_not_eligible');
    expect((await operatorView(late)).current).toContain('aucun lien envoyé');
    expect((await mail().list({ to: account.email })).length).toBe(1);
    expect(await storedStatus(account.id)).toBe('active');
  });
});

/** What an activation run gives its first link's activity. */
function firstLinkRequest(account: { id: string; loginId: string }) {
  return {
    purpose: 'activation' as const,
    accountId: account.id,
    workflowId: `activation-${account.loginId}`,
    requestKey: 'run-1/1',
    requestNo: 1,
    expiresAt: new Date(Date.now() + 15 * DAY).toISOString(),
  };
}

describe('issuePasswordLink activity', () => {
  it('sends one email and stores one token however often it is retried', async () => {
    const stack = inject('stack');
    const establishment = await insertEstablishment(ts.deps.db);
    const account = await insertAccount(ts.deps.db, establishment.id, { status: 'pending_activation' });
    const activities = createActivities({ db: ts.deps.db, mailer: createMailer(ts.deps.config.mail), config: ts.deps.config });
    const input = firstLinkRequest(account);
    const first = await activities.issuePasswordLink(input);
    const retry = await activities.issuePasswordLink(input);
    expect(retry.tokenHash).toBe(first.tokenHash);
    expect(await createMailSinkClient(stack.mailSinkUrl).list({ to: account.email })).toHaveLength(1);
    expect(await ts.deps.db.select().from(oneTimeTokens).where(eq(oneTimeTokens.accountId, account.id))).toHaveLength(1);
    const sent = await ts.deps.db.select().from(auditEvents).where(eq(auditEvents.targetAccountId, account.id));
    expect(sent.map((e) => e.action)).toEqual(['email.password_creation_sent']);
  });

  it('a first send stores its link in the account read only for an account still waiting for it', async () => {
    const establishment = await insertEstablishment(ts.deps.db);
    const activities = createActivities({ db: ts.deps.db, mailer: createMailer(ts.deps.config.mail), config: ts.deps.config });
    const active = await insertAccount(ts.deps.db, establishment.id, { status: 'active' });
    expect(await activities.sendFirstPasswordLink(firstLinkRequest(active))).toBeNull();
    expect(await ts.deps.db.select().from(oneTimeTokens).where(eq(oneTimeTokens.accountId, active.id))).toHaveLength(0);
    const [untouched] = await ts.deps.db.select().from(accounts).where(eq(accounts.id, active.id));
    expect(untouched!.activationLinkExpiresAt).toBeNull();
    expect(await createMailSinkClient(inject('stack').mailSinkUrl).list({ to: active.email })).toHaveLength(0);

    const pending = await insertAccount(ts.deps.db, establishment.id, { status: 'pending_activation' });
    const sent = await activities.sendFirstPasswordLink(firstLinkRequest(pending));
    const [token] = await ts.deps.db.select().from(oneTimeTokens).where(eq(oneTimeTokens.accountId, pending.id));
    expect(token!.tokenHash).toBe(sent!.tokenHash);
    const [shown] = await ts.deps.db.select().from(accounts).where(eq(accounts.id, pending.id));
    expect(shown!.activationLinkExpiresAt!.getTime()).toBe(token!.expiresAt.getTime());
  });

  it('a newer link revokes the open ones of its purpose only; a reset link leaves the activation link shown', async () => {
    const establishment = await insertEstablishment(ts.deps.db);
    const activities = createActivities({ db: ts.deps.db, mailer: createMailer(ts.deps.config.mail), config: ts.deps.config });
    const account = await insertAccount(ts.deps.db, establishment.id, { status: 'active' });
    const activation = await activities.issuePasswordLink(firstLinkRequest(account));
    const [before] = await ts.deps.db.select().from(accounts).where(eq(accounts.id, account.id));
    const reset = (requestNo: number) =>
      activities.issuePasswordLink({
        purpose: 'password_reset',
        accountId: account.id,
        workflowId: `password-reset-${account.loginId}`,
        requestKey: `reset/${requestNo}`,
        requestNo,
        expiresAt: new Date(Date.now() + DAY).toISOString(),
      });
    const first = await reset(1);
    const second = await reset(2);
    const tokens = await ts.deps.db.select().from(oneTimeTokens).where(eq(oneTimeTokens.accountId, account.id));
    const revoked = (tokenHash: string) => tokens.find((t) => t.tokenHash === tokenHash)!.revokedAt !== null;
    expect([revoked(activation.tokenHash), revoked(first.tokenHash), revoked(second.tokenHash)]).toEqual([false, true, false]);
    const [after] = await ts.deps.db.select().from(accounts).where(eq(accounts.id, account.id));
    expect(after!.activationLinkExpiresAt).toEqual(before!.activationLinkExpiresAt);
    expect(before!.activationLinkExpiresAt).not.toBeNull();
  });
});

describe('the password-creation email names who created the account', () => {
  it('the admin who created it, with their phone; the operator for an account nobody created', async () => {
    const establishment = await insertEstablishment(ts.deps.db);
    const creator = await insertAccount(ts.deps.db, establishment.id, { profile: 'admin', civility: 'monsieur', lastName: 'Créateur', phone: '0240123456' });
    const created = await insertAccount(ts.deps.db, establishment.id, { status: 'pending_activation', createdByAccountId: creator.id });
    const registered = await insertAccount(ts.deps.db, establishment.id, { status: 'pending_activation', profile: 'admin' });
    const activities = createActivities({ db: ts.deps.db, mailer: createMailer(ts.deps.config.mail), config: ts.deps.config });
    const expiresAt = new Date(Date.now() + 15 * DAY);
    for (const account of [created, registered]) {
      await activities.issuePasswordLink({
        purpose: 'activation',
        accountId: account.id,
        workflowId: `activation-${account.loginId}`,
        requestKey: 'run-1/1',
        requestNo: 1,
        expiresAt: expiresAt.toISOString(),
      });
    }
    const [byAdmin] = await mail().list({ to: created.email });
    expect(byAdmin!.text).toContain('Monsieur Créateur (joignable au 0240123456), vous a créé un compte');
    const [byOperator] = await mail().list({ to: registered.email });
    expect(byOperator!.text).toContain("la Direction des Retraites et de la Solidarité (opérateur de la plateforme) vous a créé un compte");
    // The account shows until when its link lives.
    const [row] = await ts.deps.db.select().from(accounts).where(eq(accounts.id, created.id));
    expect(row!.activationLinkExpiresAt!.getTime()).toBe(expiresAt.getTime());
  });
});
