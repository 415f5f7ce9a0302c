/**
 * The monthly expiry reminder end to end: the real schedule (created as at worker start), triggered
 * like an operator would in the Temporal UI, a real worker, PostgreSQL and the mail sink.
 */
import { eq, inArray, and } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { accounts, auditEvents } from '../../db/schema';
import { addMonths, frenchMonth, monthBounds, monthOf, nextMonth, parisDay } from '../../domain/dates';
import { workflowIds } from '../../workflows/definitions';
import { ensureReminderSchedule } from '../../workflows/validity-client';
import { useTestApp } from '../support/harness';

// A database of its own: the reminder emails every active admin of the platform whose establishment has
// accounts expiring next month, so in the shared database its run grew with whatever the other files
// had written by then (past this test's minute once, in a suite run of session 10).
const t = useTestApp({ worker: true, ownDatabase: true });

/** Triggers the schedule now and waits for the run it started. */
async function triggerReminders() {
  const schedule = t.temporal.schedule.getHandle(workflowIds.validityReminderSchedule());
  const before = (await schedule.describe()).info.recentActions.length;
  await schedule.trigger();
  for (let i = 0; i < 150; i++) {
    const actions = (await schedule.describe()).info.recentActions;
    if (actions.length > before) {
      const { workflow } = actions.at(-1)!.action;
      return t.temporal.workflow.getHandle(workflow.workflowId, workflow.firstExecutionRunId).result();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the schedule did not start a run');
}

describe('monthly expiry reminder, end to end', () => {
  it('one email per active admin per establishment, listing the accounts expiring next month; a second trigger sends nothing', async () => {
    const month = nextMonth(monthOf(parisDay(new Date())));
    const { first, last } = monthBounds(month);
    const later = addMonths(first, 1);

    // A: two active admins (not expiring), a pending admin, two users expiring next month, one later.
    const a = await t.createEstablishment({ name: 'COMMUNE DE RAPPEL A' });
    const a2 = await t.insertActiveAccount(a.establishment.id, { profile: 'admin', lastName: 'Second', firstName: 'Bruno' });
    const a3 = await t.insertActiveAccount(a.establishment.id, { profile: 'admin', status: 'pending_activation', lastName: 'Attente' });
    const u1 = await t.insertActiveAccount(a.establishment.id, { expiresOn: first, lastName: 'Premier' });
    const u2 = await t.insertActiveAccount(a.establishment.id, { expiresOn: last, lastName: 'Dernier' });
    const u3 = await t.insertActiveAccount(a.establishment.id, { expiresOn: later, lastName: 'Plustard' });
    // B: its only admin expires next month too, with one user.
    const b = await t.createEstablishment({ name: 'COMMUNE DE RAPPEL B' });
    await t.db.update(accounts).set({ expiresOn: last }).where(eq(accounts.id, b.admin.id));
    const v1 = await t.insertActiveAccount(b.establishment.id, { expiresOn: first, lastName: 'Vendredi' });

    await ensureReminderSchedule(t.temporal, t.config.temporal.taskQueue);
    await ensureReminderSchedule(t.temporal, t.config.temporal.taskQueue); // idempotent
    const schedule = await t.temporal.schedule.getHandle(workflowIds.validityReminderSchedule()).describe();
    expect(schedule.spec.timezone).toBe('Europe/Paris');
    expect(schedule.spec.calendars?.[0]).toMatchObject({ dayOfMonth: [{ start: 20, end: 20, step: 1 }] });
    expect(schedule.policies.catchupWindow).toBe(7 * 24 * 3600 * 1000);

    await triggerReminders();

    const emailOf = async (accountId: string) => {
      const [row] = await t.db.select({ email: accounts.email }).from(accounts).where(eq(accounts.id, accountId));
      return t.mail.list({ to: row!.email });
    };
    const subject = `Des comptes arrivent à expiration en ${frenchMonth(month)}`;
    for (const admin of [a.admin, a2]) {
      const mails = await emailOf(admin.id);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toBe(subject);
      expect(mails[0]!.text).toContain('COMMUNE DE RAPPEL A');
      expect(mails[0]!.text).toContain(`identifiant ${u1.loginId} — Utilisateur — expire le`);
      expect(mails[0]!.text).toContain(u2.loginId);
      expect(mails[0]!.text).not.toContain(u3.loginId);
      expect(mails[0]!.text).not.toContain('tous les administrateurs actifs');
      expect(mails[0]!.text).toContain('Renouveler les comptes');
    }
    expect(await emailOf(a3.id)).toHaveLength(0);
    const toB = await emailOf(b.admin.id);
    expect(toB).toHaveLength(1);
    expect(toB[0]!.text).toContain(v1.loginId);
    expect(toB[0]!.text).toContain(`identifiant ${b.admin.loginId} — Administrateur`);
    expect(toB[0]!.text).toContain("tous les administrateurs actifs de l'établissement figurent dans cette liste");
    expect(await emailOf(u1.id)).toHaveLength(0);

    await triggerReminders();
    for (const admin of [a.admin, a2, b.admin]) expect(await emailOf(admin.id)).toHaveLength(1);
    const entries = await t.db
      .select()
      .from(auditEvents)
      .where(and(inArray(auditEvents.establishmentId, [a.establishment.id, b.establishment.id]), eq(auditEvents.action, 'email.expiry_reminder_sent')));
    expect(entries).toHaveLength(3);
  });
});
