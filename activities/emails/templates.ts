import { CIVILITY_LABELS, type Civility } from '../../domain/account';
import { frenchDate, parisDay } from '../../domain/dates';
import { type EmailBody, PLATFORM_NAME, renderEmail } from './layout';

interface Person {
  civility: Civility;
  lastName: string;
}

const formal = (p: Person) => `${CIVILITY_LABELS[p.civility]} ${p.lastName}`;

/** Who creates the first admin of an establishment registered by the platform operator. */
const OPERATOR = 'la Direction des Retraites et de la Solidarité (opérateur de la plateforme)';

/**
 * The guide's « Vous pouvez créer votre mot de passe », word for word where it can be. `creator` is
 * the admin who created the account, or null for the first admin that the operator registered with
 * the establishment: the sentence then names the operator instead of a person.
 */
export function passwordCreationEmail(params: {
  holder: Person & { profile: 'admin' | 'user' };
  createdAt: Date;
  creator: (Person & { phone: string | null }) | null;
  establishmentName: string;
  legalRepAddress: string[];
  link: string;
  siteUrl: string;
}): EmailBody {
  const role = params.holder.profile === 'admin' ? 'administrateur' : 'utilisateur';
  const day = frenchDate(parisDay(params.createdAt));
  const created = params.creator
    ? `Le ${day}, ${formal(params.creator)}${params.creator.phone ? ` (joignable au ${params.creator.phone})` : ''}, vous a créé un compte en tant qu'${role} à la ${PLATFORM_NAME} pour l'établissement ${params.establishmentName}.`
    : `Le ${day}, lors de l'inscription de l'établissement ${params.establishmentName} à la ${PLATFORM_NAME}, ${OPERATOR} vous a créé un compte en tant qu'${role}.`;
  const renewer = params.creator ? formal(params.creator) : 'la Direction des Retraites et de la Solidarité';
  const after = [
    `Attention ! pour des raisons de sécurité, vous avez 15 jours pour le créer. Passé ce délai, ${renewer} devra procéder à une nouvelle demande.` +
      (params.holder.profile === 'admin'
        ? ` Le représentant légal de votre établissement a été informé de cette démarche par courrier à l'adresse ${params.legalRepAddress.join(', ')}.`
        : ''),
    `Vous pourrez accéder ensuite aux services de la ${PLATFORM_NAME} auxquels vous êtes habilité(e).`,
  ];
  return renderEmail({
    subject: 'Vous pouvez créer votre mot de passe',
    title: 'Vous pouvez créer votre mot de passe',
    paragraphs: [`Bonjour ${formal(params.holder)},`, created, 'Pour finaliser la procédure, vous devez créer votre mot de passe.'],
    action: { label: 'Créer mon mot de passe', url: params.link, after },
    siteUrl: params.siteUrl,
  });
}

export function passwordResetEmail(params: { holder: Person; loginId: string; link: string; siteUrl: string }): EmailBody {
  return renderEmail({
    subject: 'Réinitialisation de votre mot de passe',
    title: 'Réinitialisez votre mot de passe',
    paragraphs: [
      `Bonjour ${formal(params.holder)},`,
      `Vous avez demandé à réinitialiser le mot de passe du compte ${params.loginId}.`,
    ],
    action: {
      label: 'Choisir un nouveau mot de passe',
      url: params.link,
      after: [
        'Attention ! pour des raisons de sécurité, ce lien est valable 1 heure et ne peut servir qu’une fois.',
        'Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : votre mot de passe actuel reste valable.',
      ],
    },
    siteUrl: params.siteUrl,
  });
}

export function loginIdReminderEmail(params: { holder: Person; loginId: string; establishmentName: string; siteUrl: string }): EmailBody {
  return renderEmail({
    subject: 'Votre identifiant de connexion',
    title: 'Votre identifiant de connexion',
    paragraphs: [
      `Bonjour ${formal(params.holder)},`,
      `Vous avez demandé à retrouver votre identifiant de connexion à la ${PLATFORM_NAME} pour l'établissement ${params.establishmentName}.`,
      `Votre identifiant : ${params.loginId}`,
      'Si vous n’êtes pas à l’origine de cette demande, ignorez ce message.',
    ],
    siteUrl: params.siteUrl,
  });
}

/**
 * A new version of the terms of use, or a reminder: the guide's words (« sans délai, vous êtes le seul
 * à pouvoir le faire », the notice with its deadline). An admin inside their 8-day delay learns from
 * which day they can accept.
 */
export function termsOfUseEmail(params: {
  admin: Person;
  reminder: { daysBefore: number } | null;
  version: string;
  publishedOn: string;
  deadlineOn: string;
  /** Day from which this admin may accept, when that is later than today. */
  acceptableFromDay: string | null;
  siteUrl: string;
}): EmailBody {
  const deadline = frenchDate(params.deadlineOn);
  const subject = params.reminder
    ? `Rappel : conditions générales d'utilisation à valider avant le ${deadline}`
    : `Nouvelles conditions générales d'utilisation à valider avant le ${deadline}`;
  const paragraphs = [
    `Bonjour ${formal(params.admin)},`,
    params.reminder
      ? `Les nouvelles conditions générales d'utilisation de la ${PLATFORM_NAME} (version ${params.version}) n'ont pas encore été validées pour votre établissement : il reste ${params.reminder.daysBefore} jour${params.reminder.daysBefore > 1 ? 's' : ''}.`
      : `Les conditions générales d'utilisation de la ${PLATFORM_NAME} ont été modifiées (version ${params.version}, publiée le ${frenchDate(params.publishedOn)}).`,
    "En tant qu'administrateur PEP's, vous devez accepter les nouvelles conditions générales d'utilisation sans délai, vous êtes le seul à pouvoir le faire.",
    `Pour garantir l'accès à la plateforme, un de vos administrateurs doit valider les conditions générales d'utilisation avant le ${deadline}.`,
  ];
  if (params.acceptableFromDay) {
    paragraphs.push(
      `Vous êtes administrateur depuis moins de 8 jours : vous pourrez les valider à partir du ${frenchDate(params.acceptableFromDay)}. Un autre administrateur de votre établissement peut le faire avant.`,
    );
  }
  return renderEmail({
    subject,
    title: "Acceptez les nouvelles conditions générales d'utilisation",
    paragraphs,
    action: { label: "Valider les conditions générales d'utilisation", url: params.siteUrl },
    siteUrl: params.siteUrl,
  });
}

/** To the holder and the other active admins: the legal representative opposed an admin registration. */
export function adminOppositionEmail(params: {
  recipient: Person;
  holder: Person & { firstName: string };
  isHolder: boolean;
  outcome: 'deleted' | 'demoted' | 'already_deleted';
  establishmentName: string;
  reference: string;
  noActiveAdminLeft: boolean;
  siteUrl: string;
}): EmailBody {
  const who = `${CIVILITY_LABELS[params.holder.civility]} ${params.holder.firstName} ${params.holder.lastName}`;
  const what =
    params.outcome === 'demoted'
      ? 'le compte reprend le profil Utilisateur : il garde ses droits d’accès aux services, mais plus ceux d’administrateur'
      : 'le compte a été supprimé';
  return renderEmail({
    subject: 'Opposition du représentant légal à l’inscription d’un administrateur',
    title: 'Le représentant légal s’est opposé à une inscription d’administrateur',
    paragraphs: [
      `Bonjour ${formal(params.recipient)},`,
      params.isHolder
        ? `Le représentant légal de l'établissement ${params.establishmentName} s'est opposé à votre inscription en tant qu'administrateur (référence ${params.reference}) : ${what}.`
        : `Le représentant légal de l'établissement ${params.establishmentName} s'est opposé à l'inscription de ${who} en tant qu'administrateur (référence ${params.reference}) : ${what}.`,
      'Les sessions ouvertes de ce compte ont été fermées.',
      ...(params.noActiveAdminLeft
        ? ["L'établissement n'a plus d'administrateur actif : le représentant légal doit en faire désigner un nouveau auprès de la DRS."]
        : []),
      'Pour toute question, rapprochez-vous du représentant légal de votre établissement.',
    ],
    siteUrl: params.siteUrl,
  });
}

interface ListedAccount extends Person {
  firstName: string;
  loginId: string;
  profile: 'admin' | 'user';
  expiresOn: string;
}

const line = (a: ListedAccount) =>
  `${CIVILITY_LABELS[a.civility]} ${a.lastName} ${a.firstName} — identifiant ${a.loginId} — ${a.profile === 'admin' ? 'Administrateur' : 'Utilisateur'} — expire le ${frenchDate(a.expiresOn)}`;

/**
 * The reminder of the 20th (guide: « le 20 du mois précédant l'expiration d'un compte vous recevez un
 * courriel vous indiquant que le compte arrive à expiration »), to each active admin of the establishment.
 */
export function expiryReminderEmail(params: {
  admin: Person;
  establishmentName: string;
  expiryMonthLabel: string;
  expiring: ListedAccount[];
  alreadyExpired: ListedAccount[];
  everyAdminExpires: boolean;
  siteUrl: string;
}): EmailBody {
  const paragraphs = [
    `Bonjour ${formal(params.admin)},`,
    `Les comptes suivants de l'établissement ${params.establishmentName} arrivent à expiration en ${params.expiryMonthLabel} :`,
    ...params.expiring.map(line),
  ];
  if (params.everyAdminExpires) {
    paragraphs.push(
      "Attention : tous les administrateurs actifs de l'établissement figurent dans cette liste. Si aucun compte administrateur n'est renouvelé avant sa date d'expiration, plus personne ne pourra renouveler les comptes de l'établissement. Renouvelez dès maintenant au moins un compte administrateur ; à défaut, contactez l'assistance de la plateforme (DRS), qui peut renouveler un compte administrateur.",
    );
  }
  if (params.alreadyExpired.length > 0) {
    paragraphs.push("Comptes déjà expirés et non renouvelés (leur titulaire ne peut plus accéder à PEP's tant qu'un administrateur n'a pas « renouvelé » le compte) :", ...params.alreadyExpired.map(line));
  }
  paragraphs.push(
    "Pour des raisons de sécurité, vous devez effectuer, à minima tous les 18 mois, une revue des comptes des utilisateurs habilités à PEP's : renouvelez les comptes des utilisateurs avant la date d'expiration de leur compte et supprimez les comptes des utilisateurs qui n'accèdent plus à PEP's.",
    "Pour renouveler, dans « Gestion des comptes », soit vous cliquez sur « renouveler » sur la ligne d'un compte, soit vous sélectionnez plusieurs comptes et cliquez sur « Renouveler les comptes ». Le compte est renouvelé pour 18 mois à compter du jour du renouvellement.",
    "Si vous intervenez pour le compte de plusieurs employeurs, vous devez effectuer le renouvellement pour chacun d'entre eux (en vous connectant à l'espace PEP's de chaque employeur).",
  );
  return renderEmail({
    subject: `Des comptes arrivent à expiration en ${params.expiryMonthLabel}`,
    title: 'Des comptes arrivent à expiration',
    paragraphs,
    action: { label: 'Accéder à la gestion des comptes', url: params.siteUrl },
    siteUrl: params.siteUrl,
  });
}
