import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loginIdReminderEmail, passwordCreationEmail, passwordResetEmail, termsOfUseEmail } from '../../activities/emails/templates';
import { expectWellFormedEmail } from '../support/email-checks';

const siteUrl = 'https://peps.example/';
const link = 'https://peps.example/password?token=abc&x=1';
const holder = { civility: 'monsieur' as const, lastName: 'Louty', profile: 'user' as const };
const base = { holder, createdAt: new Date('2026-03-18T09:00:00Z'), establishmentName: 'COMMUNE DE DEMO', legalRepAddress: ['1 place de la Mairie', '44000 Nantes'], link, siteUrl };

describe('emails', () => {
  const byAdmin = passwordCreationEmail({ ...base, creator: { civility: 'madame', lastName: 'Durand', phone: '0241051938' } });
  const byOperator = passwordCreationEmail({ ...base, holder: { ...holder, profile: 'admin' }, creator: null });
  const reset = passwordResetEmail({ holder, loginId: 'JLO000439', link, siteUrl });
  const reminder = loginIdReminderEmail({ holder, loginId: 'JLO000439', establishmentName: 'COMMUNE DE DEMO', siteUrl });
  const terms = termsOfUseEmail({
    admin: holder,
    reminder: { daysBefore: 7 },
    version: '2026-11',
    publishedOn: '2026-11-02',
    deadlineOn: '2026-12-02',
    acceptableFromDay: '2026-11-25',
    siteUrl,
  });

  it.each([
    ['creation by an admin', byAdmin],
    ['creation by the operator', byOperator],
    ['password reset', reset],
    ['login id reminder', reminder],
    ['terms of use (reminder)', terms],
  ])('%s is a well-formed HTML email with its text twin', (_name, email) => {
    expectWellFormedEmail(email);
    expect(email.html).toContain(`href="${siteUrl}"`);
  });

  it('the button is a link that survives Outlook (React Email button) and its URL is escaped', () => {
    expect(byAdmin.html).toContain('href="https://peps.example/password?token=abc&amp;x=1"');
    expect(byAdmin.html).toMatch(/<!--\[if mso\]>/);
    expect(byAdmin.text).toContain(`Créer mon mot de passe : ${link}`);
  });

  it('escapes what people typed', () => {
    const email = passwordResetEmail({ holder: { ...holder, lastName: '<b>Louty</b>' }, loginId: 'JLO000439', link, siteUrl });
    expect(email.html).toContain('Monsieur &lt;b&gt;Louty&lt;/b&gt;');
    expect(email.html).not.toContain('<b>Louty');
  });

  it('words the guide: the creating admin by name, reachable by phone', () => {
    expect(byAdmin.text).toContain(
      "Le 18/03/2026, Madame Durand (joignable au 0241051938), vous a créé un compte en tant qu'utilisateur à la Plateforme Employeurs Publics Pep's pour l'établissement COMMUNE DE DEMO.",
    );
    expect(byAdmin.text).toContain('Passé ce délai, Madame Durand devra procéder à une nouvelle demande.');
  });

  it('words the first admin registered by the operator without calling the operator a person', () => {
    expect(byOperator.text).toContain(
      "Le 18/03/2026, lors de l'inscription de l'établissement COMMUNE DE DEMO à la Plateforme Employeurs Publics Pep's, la Direction des Retraites et de la Solidarité (opérateur de la plateforme) vous a créé un compte en tant qu'administrateur.",
    );
    expect(byOperator.text).toContain('Passé ce délai, la Direction des Retraites et de la Solidarité devra procéder à une nouvelle demande.');
    expect(byOperator.text).toContain("informé de cette démarche par courrier à l'adresse 1 place de la Mairie, 44000 Nantes");
    expect(byOperator.text).not.toMatch(/, l.opérateur de la plateforme,/);
  });

  it("spells the platform Pep's everywhere in the repository (the guide's spelling)", () => {
    const root = path.resolve(__dirname, '../..');
    const skip = new Set(['node_modules', '.git', '.tools', '.data']);
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter(
      (f) => !skip.has(f.split(path.sep)[0]!) && /\.(ts|tsx|md|yml|sh)$/.test(f),
    );
    const curly = files.filter((f) => /Pep\u2019s|PEP\u2019s/.test(readFileSync(path.join(root, f), 'utf8')));
    expect(curly).toEqual([]);
  });
});
