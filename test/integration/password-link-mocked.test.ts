/**
 * The password-link workflow's decisions with fake activities (as Temporal's samples test them): no
 * database, no mail, only what the workflow asks and when. Each test runs its own worker on the
 * time-skipping server, so the fakes' records belong to it alone.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Activities } from '../../activities';
import { resendLinkSignal, statusQuery, submitPasswordUpdate } from '../../workflows/definitions';
import type { PasswordLinkInput } from '../../workflows/password-link';
import { createTimeSkippingEnv } from '../support/time-skipping';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

type LinkActivities = Pick<
  Activities,
  'checkLinkEligibility' | 'issuePasswordLink' | 'sendFirstPasswordLink' | 'markPasswordLinkExpired' | 'applyStagedPassword'
>;

/** A gate an activity waits at until the test opens it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let reached!: () => void;
  const waiting = new Promise<void>((resolve) => (reached = resolve));
  return { open, waiting, pass: () => (reached(), opened) };
}

/** Fake activities recording what the workflow asked; `overrides` replace some of them. */
function fakes(overrides: Partial<LinkActivities> = {}) {
  const issued: { requestNo: number; expiresAt: string }[] = [];
  const expired: string[] = [];
  const applied: string[] = [];
  const activities: LinkActivities = {
    async checkLinkEligibility() {
      return true;
    },
    async issuePasswordLink(input) {
      issued.push({ requestNo: input.requestNo, expiresAt: input.expiresAt });
      return { tokenHash: `hash-${input.requestNo}` };
    },
    async markPasswordLinkExpired(input) {
      expired.push(input.workflowId);
    },
    async applyStagedPassword(input) {
      applied.push(input.tokenHash);
    },
    // Version 3's first link: the check, then the send, as the real activity does (overrides of either apply).
    async sendFirstPasswordLink({ startValidity, ...link }) {
      if (!(await activities.checkLinkEligibility({ purpose: link.purpose, accountId: link.accountId, startValidity }))) return null;
      return activities.issuePasswordLink(link);
    },
    ...overrides,
  };
  return { activities, issued, expired, applied };
}

async function run<T>(activities: LinkActivities, body: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `password-link-mocked-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: inject('stack').workflowBundlePath },
    activities,
  });
  return worker.runUntil(body(taskQueue));
}

const input = (overrides: Partial<PasswordLinkInput> = {}): PasswordLinkInput => ({
  accountId: randomUUID(),
  loginId: `JLO${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`,
  establishmentSiret: '21490007800012',
  ...overrides,
});

describe('password links, with fake activities', () => {
  it('a reset link dies after one hour of workflow time: the expiry is recorded, no second link', async () => {
    const f = fakes();
    await run(f.activities, async (taskQueue) => {
      const handle = await env.client.workflow.start('passwordResetWorkflow', { taskQueue, workflowId: `password-reset-${randomUUID()}`, args: [input()] });
      await env.sleep('59 minutes');
      expect(await handle.query(statusQuery)).toMatchObject({ stage: 'link_sent', linksSent: 1 });
      await env.sleep('2 minutes');
      expect(await handle.result()).toBe('link_expired');
      expect(f.expired).toEqual([handle.workflowId]);
    });
    expect(f.issued).toHaveLength(1);
    expect(f.applied).toEqual([]);
  });

  // Before version 3 the check and the first send are two local activities, since one: the same decisions.
  describe.each([
    { runs: 'before version 3', version: undefined },
    { runs: 'version 3', version: 3 },
  ])('$runs', ({ version }) => {
    const start = (taskQueue: string) =>
      env.client.workflow.start('activationWorkflow', { taskQueue, workflowId: `activation-${randomUUID()}`, args: [input({ version })] });

    it('a resend received while the first link is checked and sent gives a second link after it (the newest lives)', async () => {
      // The check and the first send are local activities of the run's first workflow task: a signal
      // received meanwhile is heard once that task is done, so it gives a new link (README « Benchmark », drain).
      const check = gate();
      const f = fakes({
        async checkLinkEligibility() {
          await check.pass(); // the creating transaction has not committed yet
          return true;
        },
      });
      await run(f.activities, async (taskQueue) => {
        const handle = await start(taskQueue);
        await check.waiting;
        await handle.signal(resendLinkSignal);
        check.open();
        await env.sleep('1 minute');
        expect(await handle.query(statusQuery)).toMatchObject({ stage: 'link_sent', linksSent: 2 });
        await handle.terminate();
      });
      expect(f.issued.map((l) => l.requestNo)).toEqual([1, 2]);
    });

    it('a password sent while its link is still being recorded waits for it and is applied', async () => {
      const sending = gate();
      const f = fakes();
      const issue = f.activities.issuePasswordLink;
      f.activities.issuePasswordLink = async (linkInput) => {
        await sending.pass(); // the email is out, the activity's completion is not recorded yet
        return issue(linkInput);
      };
      await run(f.activities, async (taskQueue) => {
        const handle = await start(taskQueue);
        await sending.waiting;
        const submitted = handle.executeUpdate(submitPasswordUpdate, { args: [{ tokenHash: 'hash-1' }] });
        await env.sleep('1 second');
        expect(f.applied).toEqual([]); // not before the link is recorded
        sending.open();
        await submitted;
        expect(await handle.result()).toBe('password_set');
      });
      expect(f.applied).toEqual(['hash-1']);
    });

    it('an account in another state, or absent for good, gets no link: account_not_eligible, no link counted', async () => {
      for (const check of [
        async () => false,
        async (): Promise<boolean> => {
          throw ApplicationFailure.nonRetryable('absent', 'AccountAbsent');
        },
      ]) {
        const f = fakes({ checkLinkEligibility: check });
        await run(f.activities, async (taskQueue) => {
          const handle = await start(taskQueue);
          expect(await handle.result()).toBe('account_not_eligible');
          expect(await handle.query(statusQuery)).toMatchObject({ stage: 'cancelled', linksSent: 0 });
        });
        expect(f.issued).toEqual([]);
      }
    });

    it('an email refused for good fails the run: it is not taken for an ineligible account', async () => {
      const f = fakes({
        async issuePasswordLink() {
          throw ApplicationFailure.nonRetryable('email not accepted: validation_error', 'EmailRejected');
        },
      });
      await run(f.activities, async (taskQueue) => {
        await expect((await start(taskQueue)).result()).rejects.toBeInstanceOf(WorkflowFailedError);
      });
    });
  });

  it('a resend while the password is being applied sends no new link: the password is set', async () => {
    const applying = gate();
    const f = fakes({
      async applyStagedPassword() {
        await applying.pass();
      },
    });
    await run(f.activities, async (taskQueue) => {
      const handle = await env.client.workflow.start('activationWorkflow', { taskQueue, workflowId: `activation-${randomUUID()}`, args: [input()] });
      await env.sleep('1 minute');
      const submitted = handle.executeUpdate(submitPasswordUpdate, { args: [{ tokenHash: 'hash-1' }] });
      await applying.waiting;
      await handle.signal(resendLinkSignal);
      applying.open();
      await submitted;
      expect(await handle.result()).toBe('password_set');
      expect(await handle.query(statusQuery)).toMatchObject({ stage: 'password_set', linksSent: 1 });
    });
    expect(f.issued).toHaveLength(1);
  });

  it('a run started with linksSentBefore (what continue-as-new passes on) numbers its links after them', async () => {
    const f = fakes();
    await run(f.activities, async (taskQueue) => {
      const handle = await env.client.workflow.start('activationWorkflow', {
        taskQueue,
        workflowId: `activation-${randomUUID()}`,
        args: [input({ linksSentBefore: 40 })],
      });
      await env.sleep('1 minute');
      await handle.signal(resendLinkSignal);
      await env.sleep('1 minute');
      expect(await handle.query(statusQuery)).toMatchObject({ stage: 'link_sent', linksSent: 42 });
      await handle.terminate();
    });
    expect(f.issued.map((l) => l.requestNo)).toEqual([41, 42]);
  });
});
