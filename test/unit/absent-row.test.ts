import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { ABSENT_ROW_ATTEMPTS, absentRow } from '../../activities/absent-row';

const types = { notYet: 'TermsVersionNotFound', absent: 'TermsVersionAbsent' };
const failureAt = (attempt: number) => new MockActivityEnvironment({ attempt }).run(async () => absentRow('terms version v1', types));

describe('a row looked for before its transaction commits', () => {
  it('is looked for again during the first attempts, then taken as rolled back', async () => {
    for (let attempt = 1; attempt < ABSENT_ROW_ATTEMPTS; attempt++) {
      expect(await failureAt(attempt), `attempt ${attempt}`).toMatchObject({ type: 'TermsVersionNotFound', nonRetryable: false });
    }
    expect(await failureAt(ABSENT_ROW_ATTEMPTS)).toMatchObject({ type: 'TermsVersionAbsent', nonRetryable: true, message: expect.stringContaining('rolled back') });
  });
});
