import { expect } from 'vitest';
import type { EmailBody } from '../../activities/emails/layout';

/**
 * What every email of the platform must be, whatever its words: a proper HTML document that Gmail
 * and Outlook keep (title, viewport, table layout with inline styles, no <style> block for Gmail to
 * drop), French, the guide's spelling of the platform, and a text part with the same links.
 */
export function expectWellFormedEmail(email: EmailBody) {
  const { html, text } = email;
  expect(html).toMatch(/^<!DOCTYPE html/);
  expect(html).toContain('<html dir="ltr" lang="fr">');
  expect(html).toContain(`<title>${escapeForHtml(email.subject)}</title>`);
  expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
  expect(html).toMatch(/<table[^>]*role="presentation"/);
  expect(html).not.toContain('<style');
  expect(html + text).not.toMatch(/Pep\u2019s|PEP\u2019s/);
  for (const href of [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'))) {
    expect(text).toContain(href);
  }
  expect(text).toContain("Accéder à la Plateforme Employeurs Publics Pep's");
}

function escapeForHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' })[ch]!);
}
