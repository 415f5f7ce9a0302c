import { ApplicationFailure } from '@temporalio/activity';
import { Resend } from 'resend';
import type { Config } from '../config/env';

export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Same key, same email: the provider sends it once however often the activity is retried. */
  idempotencyKey: string;
  tags?: { name: string; value: string }[];
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<{ id: string }>;
}

// Resend answers these for a message that will never be accepted: retrying cannot help. The same
// idempotency key with another payload is one of them: the same request would be refused forever.
const PERMANENT = new Set([
  'validation_error',
  'invalid_parameter',
  'missing_required_field',
  'invalid_from_address',
  'invalid_idempotent_request',
  'invalid_idempotency_key',
]);

/**
 * Sends through the Resend SDK; without an API key the SDK talks to the local sink (dev/mail-sink.ts).
 * Failures are thrown, never swallowed: inside an activity that is what makes Temporal retry.
 */
export function createMailer(config: Config['mail']): Mailer {
  const resend = new Resend(config.resendApiKey ?? 're_local_sink', { baseUrl: config.resendBaseUrl });
  return {
    async send(email) {
      const { data, error } = await resend.emails.send(
        { from: config.from, to: [email.to], subject: email.subject, html: email.html, text: email.text, tags: email.tags },
        { idempotencyKey: email.idempotencyKey },
      );
      if (error || !data) {
        const message = `email not accepted: ${error?.name ?? 'unknown'}: ${error?.message ?? 'no data'}`;
        if (error && PERMANENT.has(error.name)) throw ApplicationFailure.nonRetryable(message, 'EmailRejected');
        throw new Error(message);
      }
      return { id: data.id };
    },
  };
}
