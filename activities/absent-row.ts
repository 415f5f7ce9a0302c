import { ApplicationFailure, Context } from '@temporalio/activity';

/**
 * How many times a row that a workflow was started for is looked for before it is taken as rolled
 * back. Workflows are started inside the transaction that writes their row (a creation, a publication),
 * so their first activity may run before the commit: the row is looked for again, with the activity's
 * retry backoff (0.5 s or 1 s, doubling: ~15 s in all), or the transaction rolled back. A database that
 * does not answer is not an absent row: that failure stays retryable, without limit.
 */
export const ABSENT_ROW_ATTEMPTS = 6;

/**
 * The failure for a row not found: retryable (`notYetType`) during the first attempts, then
 * non-retryable (`absentType`), which the workflow reads as « rolled back ».
 */
export function absentRow(what: string, types: { notYet: string; absent: string }): ApplicationFailure {
  return Context.current().info.attempt >= ABSENT_ROW_ATTEMPTS
    ? ApplicationFailure.nonRetryable(`${what} absent (its transaction rolled back?)`, types.absent)
    : ApplicationFailure.retryable(`${what} not found (yet)`, types.notYet);
}
