/**
 * The letter to the legal representative when an establishment gets a new administrator: a real A4
 * PDF (pdfkit, DejaVu Sans embedded so that every French accent prints), its recipient block where
 * the window of a DL / C5 window envelope shows it.
 */
import PDFDocument from 'pdfkit';
import { CIVILITY_LABELS, type Civility } from '../../domain/account';
import { frenchDate, type IsoDay } from '../../domain/dates';
import { PLATFORM_NAME } from '../emails/layout';

const FONT_DIR = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf').replace(/DejaVuSans\.ttf$/, '');
const mm = (v: number) => (v * 72) / 25.4;

/**
 * French window envelope (DL 110×220 mm or C5, window 45×100 mm, 20 mm from the right edge and
 * 15 mm from the bottom): once the A4 sheet is folded in three, the address must sit between
 * 45 and 85 mm from the top and from 110 mm from the left edge.
 */
export const RECIPIENT_BLOCK = { x: mm(110), y: mm(47), width: mm(85), height: mm(36) } as const;

/** Who writes: the platform operator (DRS). Printed on every letter and used to oppose. */
export const SENDER = {
  lines: [PLATFORM_NAME, 'Caisse des Dépôts – Direction des retraites et de la solidarité (DRS)', 'Rue du Vergne', '33059 BORDEAUX CEDEX'],
  city: 'Bordeaux',
  contact: 'par courrier à l’adresse ci-dessus, ou par téléphone au 05 56 11 40 00 (du lundi au vendredi, de 9 h à 17 h)',
};

interface Person {
  civility: Civility;
  firstName: string;
  lastName: string;
}

export interface AdminRegistrationLetter {
  reference: string;
  letterDate: IsoDay;
  statedDeadline: IsoDay;
  termsAcceptableFrom: IsoDay | null;
  establishment: { name: string; siret: string };
  legalRepresentative: Person & { title: string; address: string[] };
  admin: Person & { loginId: string; email: string; phone: string | null; serviceFunction: string | null; professionalAddress: string[] | null };
  reason: 'created' | 'promoted';
  grantedOn: IsoDay;
  /** The admin who granted the profile; null: the platform operator. */
  grantedBy: (Person & { loginId: string }) | null;
}

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];

/** « 22 novembre 2026 ». */
export function longFrenchDate(day: IsoDay): string {
  const [y, m, d] = day.split('-').map(Number);
  return `${d === 1 ? '1er' : d} ${MONTHS[m! - 1]} ${y}`;
}

const fullName = (p: Person) => `${CIVILITY_LABELS[p.civility]} ${p.firstName} ${p.lastName.toUpperCase()}`;

/** What an administrator can do on the platform, as the guides put it. */
export const ADMIN_POWERS = [
  'créer les comptes des agents de l’établissement, modifier leurs coordonnées et leurs droits d’accès aux services (CNRACL, Ircantec, RAFP), les renouveler et les supprimer ;',
  'désigner d’autres administrateurs, qui disposent des mêmes pouvoirs ;',
  'accepter, au nom de l’établissement, les nouvelles versions des conditions générales d’utilisation de la plateforme ;',
  'demander, accepter ou mettre fin à une délégation entre établissements (accès multi-comptes) ;',
  'consulter l’historique des opérations réalisées par les comptes de l’établissement.',
];

export function renderAdminRegistrationLetter(letter: AdminRegistrationLetter): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: mm(20), bottom: mm(18), left: mm(22), right: mm(20) },
    info: {
      Title: `Inscription d’un administrateur – ${letter.reference}`,
      Author: PLATFORM_NAME,
      Subject: `Courrier au représentant légal de ${letter.establishment.name}`,
      CreationDate: new Date(`${letter.letterDate}T08:00:00Z`),
    },
    lang: 'fr-FR',
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.registerFont('regular', `${FONT_DIR}DejaVuSans.ttf`);
  doc.registerFont('bold', `${FONT_DIR}DejaVuSans-Bold.ttf`);
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const blue = '#1f3a8a';

  // Letterhead
  doc.rect(left, mm(16), mm(3), mm(20)).fill(blue);
  doc.fillColor(blue).font('bold').fontSize(15).text('pep’s', left + mm(6), mm(16));
  doc.font('regular').fontSize(8).fillColor('#333333');
  for (const line of SENDER.lines) doc.text(line, left + mm(6), undefined, { width: mm(110) });

  // Recipient block (window envelope)
  const rep = letter.legalRepresentative;
  doc.fillColor('black').font('bold').fontSize(10).text(fullName(rep), RECIPIENT_BLOCK.x, RECIPIENT_BLOCK.y, { width: RECIPIENT_BLOCK.width });
  doc.font('regular').fontSize(10);
  for (const line of [`${rep.title}`, letter.establishment.name, ...rep.address]) {
    doc.text(line, RECIPIENT_BLOCK.x, undefined, { width: RECIPIENT_BLOCK.width, lineBreak: false, ellipsis: true });
  }

  // Place, date, reference, subject
  doc.fontSize(10).text(`${SENDER.city}, le ${longFrenchDate(letter.letterDate)}`, left, mm(95), { width, align: 'right' });
  doc.moveDown(1.2);
  doc.font('bold').text('Référence à rappeler : ', left, undefined, { continued: true }).font('regular').text(letter.reference);
  doc.font('bold').text('Objet : ', { continued: true }).font('regular').text(`inscription d’un administrateur de l’établissement ${letter.establishment.name} (SIRET ${letter.establishment.siret})`);
  doc.moveDown(1);

  const by = letter.grantedBy
    ? `${fullName(letter.grantedBy)}, titulaire d’un compte administrateur de votre établissement (identifiant ${letter.grantedBy.loginId}),`
    : 'l’opérateur de la plateforme (DRS), à la demande de votre établissement,';
  const what = letter.reason === 'created' ? 'a créé un compte administrateur' : 'a attribué le profil administrateur au compte existant';
  const p = (text: string) => doc.font('regular').fontSize(10).text(text, left, undefined, { width, align: 'justify', paragraphGap: 6 });

  p(`${CIVILITY_LABELS[rep.civility]},`);
  p(`Le ${frenchDate(letter.grantedOn)}, ${by} ${what} sur la ${PLATFORM_NAME} pour la personne suivante :`);

  const a = letter.admin;
  const rows: [string, string][] = [
    ['Civilité, nom, prénom', `${CIVILITY_LABELS[a.civility]} ${a.lastName.toUpperCase()} ${a.firstName}`],
    ['Identifiant', a.loginId],
    ['Courriel', a.email],
    ['Téléphone', a.phone ?? 'non renseigné'],
    ['Service / fonction', a.serviceFunction ?? 'non renseigné'],
    ['Adresse professionnelle', (a.professionalAddress ?? []).join(', ') || 'non renseignée'],
    [letter.reason === 'created' ? 'Date de création' : 'Date de promotion', frenchDate(letter.grantedOn)],
  ];
  const labelWidth = mm(48);
  doc.moveDown(0.2);
  for (const [label, value] of rows) {
    const y = doc.y;
    doc.font('bold').fontSize(9.5).text(label, left + mm(4), y, { width: labelWidth });
    doc.font('regular').text(value, left + mm(4) + labelWidth, y, { width: width - labelWidth - mm(4) });
    doc.moveDown(0.15);
  }
  doc.moveDown(0.6);

  p('Un administrateur agit au nom de votre établissement sur la plateforme. Il peut notamment :');
  for (const power of ADMIN_POWERS) {
    doc.font('regular').fontSize(9.5).text(`•  ${power}`, left + mm(4), undefined, { width: width - mm(4), paragraphGap: 2 });
  }
  doc.moveDown(0.6);
  const terms = letter.termsAcceptableFrom
    ? ` Il ne pourra accepter les conditions générales d’utilisation qu’à partir du ${frenchDate(letter.termsAcceptableFrom)}.`
    : '';
  p(`Ce compte est utilisable dès à présent.${terms}`);

  doc.font('bold').fontSize(10).text('Si vous vous opposez à cette inscription, ', left, undefined, { width, align: 'justify', continued: true });
  p(
    `contactez la DRS au plus tard le ${frenchDate(letter.statedDeadline)}, ${SENDER.contact}, en rappelant la référence ${letter.reference}. ` +
      (letter.reason === 'created'
        ? 'Le compte sera alors supprimé.'
        : 'Le compte reviendra alors au profil utilisateur.') +
      ' Sans opposition de votre part à cette date, l’inscription sera confirmée.',
  );
  p(`Nous vous prions d’agréer, ${CIVILITY_LABELS[rep.civility]}, l’expression de nos salutations distinguées.`);
  doc.moveDown(0.5);
  doc.font('bold').text('La Direction des retraites et de la solidarité', { align: 'right', width });

  // Footer, below the bottom margin (which would otherwise open a second page)
  doc.page.margins.bottom = 0;
  const footerY = doc.page.height - mm(14);
  doc.font('regular').fontSize(7.5).fillColor('#555555')
    .text(`${PLATFORM_NAME} – Caisse des Dépôts – Référence ${letter.reference}`, left, footerY, { width, align: 'center', lineBreak: false });

  doc.end();
  return done;
}
