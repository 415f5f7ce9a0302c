/**
 * Emails of the multi-account access (« accès multicomptes »), in the guides' words: the central
 * establishment (« établissement centralisateur ») asks for a management delegation (« délégation de
 * gestion »); an admin of the delegating establishment (« établissement en délégation ») accepts or
 * refuses it.
 */
import { CIVILITY_LABELS, type Civility } from '../../domain/account';
import { frenchDate, parisDay } from '../../domain/dates';
import { type EmailBody, PLATFORM_NAME, renderEmail } from './layout';

export type DelegationEmailStep = 'requested' | 'reminder' | 'accepted' | 'refused' | 'lapsed' | 'ended';

interface Party {
  name: string;
  siret: string;
}

export interface DelegationEmailParams {
  step: DelegationEmailStep;
  /** The side the recipient belongs to. */
  side: 'central' | 'delegating';
  recipient: { civility: Civility; lastName: string };
  central: Party;
  delegating: Party;
  /** Instant the request lapses (requested, reminder). */
  lapsesAt: Date | null;
  /** Whether the delegation had been accepted before it ended (ended). */
  wasAccepted: boolean;
  siteUrl: string;
}

const who = (p: Party) => `${p.name} (SIRET ${p.siret})`;

const SUBJECTS: Record<DelegationEmailStep, string> = {
  requested: 'Accès multicomptes : demande de délégation de gestion',
  reminder: 'Rappel : une demande de délégation de gestion attend votre réponse',
  accepted: 'Accès multicomptes : délégation de gestion acceptée',
  refused: 'Accès multicomptes : délégation de gestion refusée',
  lapsed: 'Accès multicomptes : demande de délégation de gestion sans réponse',
  ended: 'Accès multicomptes : fin de la délégation de gestion',
};

function body(p: DelegationEmailParams): string[] {
  const c = who(p.central);
  const d = who(p.delegating);
  const until = p.lapsesAt ? frenchDate(parisDay(p.lapsesAt)) : '';
  switch (p.step) {
    case 'requested':
      return [
        `L'établissement centralisateur ${c} demande une délégation de gestion à votre établissement ${d}.`,
        "Une fois la délégation acceptée, les administrateurs de l'établissement centralisateur pourront gérer les comptes utilisateurs de votre établissement pour son compte : créer, modifier, renouveler et supprimer les comptes.",
        `En tant qu'administrateur de l'établissement en délégation, vous pouvez accepter ou refuser cette demande jusqu'au ${until} inclus, depuis l'accès multicomptes. Passé ce délai, la demande ne sera plus valable.`,
      ];
    case 'reminder':
      return [
        `L'établissement centralisateur ${c} a demandé une délégation de gestion à votre établissement ${d}. Cette demande attend toujours la réponse d'un administrateur.`,
        `Vous pouvez l'accepter ou la refuser jusqu'au ${until} inclus, depuis l'accès multicomptes. Passé ce délai, la demande ne sera plus valable et l'établissement centralisateur devra en faire une nouvelle.`,
      ];
    case 'accepted':
      return p.side === 'central'
        ? [
            `L'établissement ${d} a accepté la délégation de gestion demandée par votre établissement ${c}.`,
            "Les administrateurs de votre établissement peuvent désormais gérer ses comptes utilisateurs pour son compte. Le renouvellement des comptes reste à effectuer pour chacun des établissements.",
          ]
        : [
            `Votre établissement ${d} a accepté la délégation de gestion demandée par l'établissement centralisateur ${c}.`,
            "Ses administrateurs peuvent désormais gérer les comptes utilisateurs de votre établissement pour son compte. Chaque opération figure dans l'historique de votre établissement. Vous pouvez mettre fin à la délégation à tout moment depuis l'accès multicomptes.",
          ];
    case 'refused':
      return p.side === 'central'
        ? [`L'établissement ${d} a refusé la délégation de gestion demandée par votre établissement ${c}.`, 'Vous pouvez lui adresser une nouvelle demande.']
        : [`Votre établissement ${d} a refusé la délégation de gestion demandée par l'établissement centralisateur ${c}.`];
    case 'lapsed':
      return p.side === 'central'
        ? [
            `La demande de délégation de gestion adressée par votre établissement ${c} à l'établissement ${d} n'a pas reçu de réponse dans le délai : elle n'est plus valable.`,
            'Vous pouvez lui adresser une nouvelle demande.',
          ]
        : [
            `La demande de délégation de gestion de l'établissement centralisateur ${c} à votre établissement ${d} n'a pas reçu de réponse dans le délai : elle n'est plus valable.`,
          ];
    case 'ended':
      return [
        p.wasAccepted
          ? `La délégation de gestion de l'établissement ${d} à l'établissement centralisateur ${c} a pris fin.`
          : `La demande de délégation de gestion de l'établissement centralisateur ${c} à l'établissement ${d} a pris fin avant d'avoir reçu une réponse.`,
        p.side === 'central'
          ? "Les administrateurs de votre établissement ne peuvent plus gérer les comptes utilisateurs de cet établissement."
          : "Les administrateurs de l'établissement centralisateur ne peuvent plus gérer les comptes utilisateurs de votre établissement.",
      ];
  }
}

export function delegationEmail(p: DelegationEmailParams): EmailBody {
  return renderEmail({
    subject: SUBJECTS[p.step],
    title: SUBJECTS[p.step],
    paragraphs: [`Bonjour ${CIVILITY_LABELS[p.recipient.civility]} ${p.recipient.lastName},`, ...body(p)],
    action: { label: `Accéder à la ${PLATFORM_NAME}`, url: p.siteUrl },
    siteUrl: p.siteUrl,
  });
}
