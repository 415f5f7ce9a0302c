/**
 * What an operator reads in the Temporal UI about a password-link run (activation, reset): the
 * static summary and details given at start, and the current details as the run moves. French
 * words, ids and dates only: no name, no email (Temporal does not encrypt them).
 * Used by the API (start options) and by the workflow (setCurrentDetails), so it stays pure.
 */
import { frenchDateTime } from '../domain/dates';

export type LinkPurpose = 'activation' | 'password_reset';

const WHAT: Record<LinkPurpose, { title: string; validity: string; aim: string; done: string }> = {
  activation: {
    title: 'Activation du compte',
    validity: '15 jours',
    aim: 'créer son mot de passe',
    done: 'Mot de passe créé : le compte est actif.',
  },
  password_reset: {
    title: 'Réinitialisation du mot de passe du compte',
    validity: '1 heure',
    aim: 'choisir un nouveau mot de passe',
    done: 'Mot de passe réinitialisé : les sessions ouvertes ont été fermées.',
  },
};

/**
 * When the account's validity follow-up starts (version 5): the activation at creation starts it as it
 * ends, or at a resend, with the expiry the database holds then. A later run (« nouvelle demande ») finds
 * it running already.
 */
const VALIDITY_AT_END =
  "Suivi de validité du compte (`validity-<identifiant>`) : démarré à la fin de l'activation (mot de passe créé, lien expiré, annulation par un opérateur) " +
  "ou au premier renvoi du courriel, avec la date d'expiration enregistrée à ce moment ; jamais pour un compte supprimé ou une création annulée. " +
  "S'il tourne déjà (renouvellement, rattrapage `validity-reconcile`, demande précédente), rien ne change.";

/** `staticSummary` / `staticDetails` of the start options. */
export function passwordLinkStartMetadata(purpose: LinkPurpose, loginId: string, siret: string) {
  const w = WHAT[purpose];
  return {
    staticSummary: `${w.title} ${loginId} (lien valable ${w.validity})`,
    staticDetails: [
      `**${w.title} ${loginId}** — établissement SIRET ${siret}.`,
      `Le titulaire reçoit par courriel un lien à usage unique, valable ${w.validity}, pour ${w.aim}. Chaque renvoi envoie un nouveau lien et rend le précédent inutilisable.`,
      'Fin possible (attribut LifecycleState et résultat du workflow) : `password_set` (mot de passe choisi), `link_expired` (lien expiré sans mot de passe), `cancelled` (compte supprimé ou introuvable, ou annulation demandée par un opérateur).',
      "Un arrêt forcé (Terminate) laisse l'attribut tel quel : le rattrapage `link-reconcile` rend alors le lien inutilisable en base.",
      ...(purpose === 'activation' ? [VALIDITY_AT_END] : []),
    ].join('\n\n'),
  };
}

export function linkTimerSummary(purpose: LinkPurpose, linkNo: number): string {
  return `Validité du lien n°${linkNo} (${WHAT[purpose].validity})`;
}

export function linkSendSummary(linkNo: number): string {
  return linkNo === 1 ? 'Envoi du lien n°1 par courriel' : `Envoi du lien n°${linkNo} par courriel (renvoi)`;
}

export type StoryStep =
  | { step: 'sending'; linkNo: number }
  | { step: 'waiting'; linkNo: number; sentAt: Date; expiresAt: Date }
  | { step: 'password_set'; linkNo: number; at: Date }
  | { step: 'link_expired'; linkNo: number; at: Date }
  | { step: 'deleted'; at: Date }
  | { step: 'not_eligible'; at: Date }
  | { step: 'operator_cancelled'; at: Date };

/** `setCurrentDetails` text for each step of the run. */
export function passwordLinkDetails(purpose: LinkPurpose, s: StoryStep): string {
  switch (s.step) {
    case 'sending':
      return `En cours : envoi du lien n°${s.linkNo} par courriel.`;
    case 'waiting':
      return `En attente du titulaire : lien n°${s.linkNo} envoyé le ${frenchDateTime(s.sentAt)}, valable jusqu'au ${frenchDateTime(s.expiresAt)} (heure de Paris).`;
    case 'password_set':
      return `Terminé le ${frenchDateTime(s.at)} — ${WHAT[purpose].done} (lien n°${s.linkNo})`;
    case 'link_expired':
      return purpose === 'activation'
        ? `Terminé le ${frenchDateTime(s.at)} — lien n°${s.linkNo} expiré sans mot de passe créé. L'administrateur peut faire une nouvelle demande (« Renvoyer le courriel »), qui relance ce workflow.`
        : `Terminé le ${frenchDateTime(s.at)} — lien n°${s.linkNo} expiré sans nouveau mot de passe ; l'ancien mot de passe reste valable.`;
    case 'deleted':
      return `Terminé le ${frenchDateTime(s.at)} — compte supprimé : le lien ne fonctionne plus.`;
    case 'operator_cancelled':
      return `Annulé le ${frenchDateTime(s.at)} par un opérateur (Temporal) — le lien ne fonctionne plus.`;
    case 'not_eligible':
      return `Terminé le ${frenchDateTime(s.at)} — compte introuvable ou plus concerné (création annulée, compte déjà actif ou supprimé) : aucun lien envoyé.`;
  }
}
