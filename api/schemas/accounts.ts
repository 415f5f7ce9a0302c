import { z } from '@hono/zod-openapi';
import { ACCOUNT_STATUSES, CIVILITIES, PROFILES, RIGHT_LEVELS } from '../../domain/account';
import { ADDRESS_REQUIRED } from '../../accounts/errors';
import { instant, isoDay, PaginationMeta, PaginationQuery } from './common';

const REQUIRED = 'Ce champ est obligatoire.';

export const requiredText = (max: number) =>
  z
    .string({ error: REQUIRED })
    .trim()
    .min(1, REQUIRED)
    .max(max, `${max} caractères au plus.`);

/** Optional free text: absent, null or blank all mean "none". */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `${max} caractères au plus.`)
    .nullish()
    .transform((v) => (v ? v : v === undefined ? undefined : null));

export const emailSchema = z
  .string({ error: REQUIRED })
  .trim()
  .max(254, '254 caractères au plus.')
  .pipe(z.email({ error: 'Adresse de courriel invalide.' }));

/** A French landline as typed (`05 56 11 41 23`, `05.56.11.41.23`, `+33 5 56…`), stored as 10 digits. */
export const phoneSchema = z
  .string()
  .trim()
  .nullish()
  .transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (v === null || v === '') return null;
    const digits = v.replace(/[\s.\-()]/g, '').replace(/^\+33/, '0').replace(/^0033/, '0');
    if (!/^0[1-9][0-9]{8}$/.test(digits)) {
      ctx.addIssue({ code: 'custom', message: 'Numéro de téléphone invalide : 10 chiffres attendus, par exemple 0556114123.' });
      return z.NEVER;
    }
    return digits;
  });

export const addressSchema = z
  .array(requiredText(100), { error: 'Adresse attendue sous forme de lignes.' })
  .min(1, REQUIRED)
  .max(6, '6 lignes au plus.');

export const ProfileSchema = z.enum(PROFILES).openapi({ description: 'Profil : administrateur ou utilisateur', example: 'user' });
export const CivilitySchema = z.enum(CIVILITIES).openapi({ description: 'Civilité', example: 'madame' });
export const RightLevelSchema = z
  .enum(RIGHT_LEVELS)
  .openapi({ description: 'Droit : none = Aucun, read = Lecture seule, write = Modification', example: 'read' });
export const StatusSchema = z
  .enum(ACCOUNT_STATUSES)
  .openapi({ description: "Statut affiché (calculé : supprimé > expiré > bloqué > statut enregistré)", example: 'active' });

export const RightsInput = z.record(z.string(), RightLevelSchema).openapi({
  description:
    "Droits par code de service (voir GET /services). À la création, un service absent prend le droit par défaut de l'établissement (sinon Aucun) ; en modification, seuls les services cités changent.",
  example: { 'affiliation-cnracl': 'write', 'avis-prealable-cnracl': 'none' },
});

export const coordinateFields = {
  civility: CivilitySchema,
  lastName: requiredText(100).openapi({ description: 'Nom', example: 'Louty' }),
  firstName: requiredText(100).openapi({ description: 'Prénom', example: 'Jean' }),
  phone: phoneSchema.openapi({ description: 'Téléphone fixe (facultatif)', example: '0556114123' }),
  serviceFunction: optionalText(200).openapi({
    description: "Service d'appartenance et/ou fonction (facultatif)",
    example: 'Ressources Humaines',
  }),
  professionalAddress: addressSchema.nullish().openapi({
    description: "Adresse professionnelle, ligne par ligne : obligatoire pour un administrateur (elle figure dans le courrier au représentant légal)",
    example: ['Mairie de Demo', '1 place de la Mairie', '33000 BORDEAUX'],
  }),
};

/** The guide's form: the email typed twice must match (case aside). */
export function checkEmailConfirmation(body: { email?: string; emailConfirmation?: string }, ctx: z.RefinementCtx) {
  if (body.email?.toLowerCase() !== body.emailConfirmation?.toLowerCase()) {
    ctx.addIssue({ code: 'custom', path: ['emailConfirmation'], message: 'La confirmation ne correspond pas au courriel saisi.' });
  }
}


export function checkProfessionalAddress(body: { professionalAddress?: string[] | null }, ctx: z.RefinementCtx) {
  if (!body.professionalAddress) ctx.addIssue({ code: 'custom', path: ['professionalAddress'], message: ADDRESS_REQUIRED });
}

export const CreateAccountBody = z
  .object({
    profile: ProfileSchema,
    ...coordinateFields,
    email: emailSchema.openapi({ description: 'Courriel du titulaire', example: 'jean.louty@mairie-demo.fr' }),
    emailConfirmation: emailSchema.openapi({ description: 'Le même courriel, saisi une seconde fois', example: 'jean.louty@mairie-demo.fr' }),
    rights: RightsInput.optional(),
  })
  .superRefine((body, ctx) => {
    checkEmailConfirmation(body, ctx);
    if (body.profile === 'admin') checkProfessionalAddress(body, ctx);
  })
  .openapi('CreateAccount');
export type CreateAccountInput = z.infer<typeof CreateAccountBody>;

export const UpdateAccountBody = z
  .object({
    profile: ProfileSchema.optional().openapi({
      description: "Utilisateur → Administrateur : promotion (courrier au représentant légal, prise en compte à la prochaine connexion). Administrateur → Utilisateur : refusé.",
    }),
    civility: coordinateFields.civility.optional(),
    lastName: coordinateFields.lastName.optional(),
    firstName: coordinateFields.firstName.optional(),
    email: emailSchema.optional().openapi({ description: 'Nouveau courriel (avec emailConfirmation)', example: 'jean.louty@mairie-demo.fr' }),
    emailConfirmation: emailSchema.optional().openapi({ description: 'Le nouveau courriel, saisi une seconde fois', example: 'jean.louty@mairie-demo.fr' }),
    phone: coordinateFields.phone,
    serviceFunction: coordinateFields.serviceFunction,
    professionalAddress: coordinateFields.professionalAddress,
    rights: RightsInput.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.email !== undefined) checkEmailConfirmation(body, ctx);
  })
  .openapi('UpdateAccount');
export type UpdateAccountInput = z.infer<typeof UpdateAccountBody>;

export const ServiceRightSchema = z.object({
  code: z.string().openapi({ description: 'Code du service', example: 'affiliation-cnracl' }),
  label: z.string().openapi({ description: 'Libellé du service', example: 'Affiliation CNRACL' }),
  level: RightLevelSchema,
  levelLabel: z.string().openapi({ description: 'Libellé du droit', example: 'Lecture seule' }),
});

export const ThemeRightsSchema = z
  .object({
    code: z.string().openapi({ description: 'Code de la thématique', example: 'carriere' }),
    label: z.string().openapi({ description: 'Libellé de la thématique', example: 'Carrière' }),
    services: z.array(ServiceRightSchema),
  })
  .openapi('ThemeRights');

export const AccountSummarySchema = z
  .object({
    id: z.string().openapi({ description: 'Identifiant technique du compte', example: '0b8f3c1e-4c8a-4a57-9d55-0d3c5a1f2b77' }),
    loginId: z.string().openapi({ description: 'Identifiant de connexion (9 caractères)', example: 'JLO000439' }),
    profile: ProfileSchema,
    profileLabel: z.string().openapi({ description: 'Profil, en français', example: 'Utilisateur' }),
    civility: CivilitySchema,
    civilityLabel: z.string().openapi({ description: 'Civilité abrégée', example: 'Mme' }),
    lastName: z.string().openapi({ description: 'Nom', example: 'Louty' }),
    firstName: z.string().openapi({ description: 'Prénom', example: 'Céline' }),
    email: z.string().openapi({ description: 'Courriel', example: 'celine.louty@mairie-demo.fr' }),
    phone: z.string().nullable().openapi({ description: 'Téléphone fixe', example: '0556114123' }),
    serviceFunction: z.string().nullable().openapi({ description: 'Service et/ou fonction', example: 'Ressources Humaines' }),
    status: StatusSchema,
    statusLabel: z.string().openapi({ description: 'Statut, en français', example: 'Actif' }),
    expiresOn: isoDay("Date d'expiration du compte"),
    lastLoginAt: instant('Dernière connexion').nullable(),
    activationLinkExpiresAt: instant('Fin de validité du lien de création du mot de passe (comptes en attente)').nullable(),
    activationLinkExpired: z.boolean().nullable().openapi({
      description: "Compte en attente d'activation : le lien de création du mot de passe est-il expiré (l'administrateur doit le renvoyer) ? null pour les autres statuts.",
      example: false,
    }),
    createdAt: instant('Création du compte'),
  })
  .openapi('AccountSummary');

export const AccountDetailSchema = AccountSummarySchema.extend({
  professionalAddress: z.array(z.string()).nullable().openapi({ description: 'Adresse professionnelle (administrateurs)', example: ['1 place de la Mairie', '33000 BORDEAUX'] }),
  adminSince: instant('Administrateur depuis').nullable(),
  termsAcceptableFrom: isoDay(
    "Premier jour (heure de Paris) où ce nouvel administrateur peut accepter les conditions générales d'utilisation : 8 jours calendaires après être devenu administrateur (null : pas de délai en cours)",
  ).nullable(),
  blockedUntil: instant('Fin du blocage après des échecs de connexion').nullable(),
  createdBy: z
    .object({
      id: z.string().openapi({ description: 'Compte créateur', example: '5d1c…' }),
      loginId: z.string().openapi({ description: 'Identifiant du créateur', example: 'MGU000012' }),
    })
    .nullable()
    .openapi({ description: "Qui a créé le compte (null : opérateur de la plateforme ou reprise)" }),
  rights: z.record(z.string(), RightLevelSchema).openapi({
    description: 'Droits par code de service (tous les services du catalogue)',
    example: { 'affiliation-cnracl': 'write' },
  }),
  rightsByTheme: z.array(ThemeRightsSchema).openapi({ description: 'Les mêmes droits, groupés par thématique, avec les libellés' }),
}).openapi('AccountDetail');

export const GROUP_BY = ['profile', 'status', 'expiryMonth'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** The list's filters, which the export takes too. */
export const ListFiltersQuery = z.object({
  q: z.string().max(200).optional().openapi({
    description: 'Recherche dans le nom, le prénom et le service, sans tenir compte des accents ni de la casse ; chaque mot doit apparaître',
    example: 'celine',
  }),
  status: z
    .enum(['pending_activation', 'active', 'expired', 'blocked'])
    .optional()
    .openapi({ description: 'Ne garder que ce statut', example: 'active' }),
  profile: ProfileSchema.optional().openapi({ description: 'Ne garder que ce profil', example: 'admin' }),
});

/** A page cursor is the last account of the previous page: its id, in base64url (22 characters), opaque to clients. */
export function encodeCursor(accountId: string): string {
  return Buffer.from(accountId.replace(/-/g, ''), 'hex').toString('base64url');
}

const BAD_CURSOR = "Curseur de pagination invalide : reprenez la valeur `nextCursor` d'une réponse de cette liste, ou la liste à sa première page.";

const CursorSchema = z
  .string()
  .transform((value, ctx) => {
    const bytes = /^[A-Za-z0-9_-]{22}$/.test(value) ? Buffer.from(value, 'base64url') : undefined;
    if (bytes?.length !== 16) {
      ctx.addIssue({ code: 'custom', message: BAD_CURSOR });
      return z.NEVER;
    }
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  })
  .openapi({
    description:
      "Page suivante par curseur : la valeur `nextCursor` de la réponse précédente (mêmes filtres, même groupement). Une page lue ainsi coûte autant au fond de la liste qu'au début ; `page` est alors ignoré (1).",
    example: 'C4854-Tp5QH2U3bD1fCgQA',
  });

export const ListAccountsQuery = PaginationQuery.extend({
  ...ListFiltersQuery.shape,
  groupBy: z.enum(GROUP_BY).optional().openapi({
    description:
      "Grouper par profil, statut ou mois d'expiration : la liste est triée par groupe, chaque élément porte `group`, et `groups` donne les effectifs de chaque groupe (toutes pages)",
    example: 'status',
  }),
  after: CursorSchema.optional(),
}).superRefine((query, ctx) => {
  if (query.after !== undefined && query.page !== 1) {
    ctx.addIssue({ code: 'custom', path: ['after'], message: 'Indiquez soit un numéro de page (`page`), soit un curseur (`after`), pas les deux.' });
  }
});

export const GroupSchema = z.object({
  key: z.string().openapi({ description: 'Clé du groupe (profil, statut, ou mois AAAA-MM)', example: 'active' }),
  label: z.string().openapi({ description: 'Libellé du groupe', example: 'Actif' }),
});

export const AccountListSchema = z
  .object({
    items: z.array(AccountSummarySchema.extend({ group: GroupSchema.optional().openapi({ description: 'Groupe de l’élément (avec groupBy)' }) })),
    groups: z
      .array(GroupSchema.extend({ count: z.number().int().openapi({ description: 'Comptes du groupe (toutes pages)', example: 4 }) }))
      .optional()
      .openapi({ description: 'Avec groupBy : les groupes, dans l’ordre de la liste' }),
    ...PaginationMeta,
    page: z.number().int().nullable().openapi({ description: 'Page renvoyée (null pour une page demandée par curseur `after`)', example: 1 }),
    nextCursor: z.string().nullable().openapi({
      description: 'Curseur de la page suivante, à passer dans `after` (null : dernière page)',
      example: 'C4854-Tp5QH2U3bD1fCgQA',
    }),
  })
  .openapi('AccountList');

export const CreatedAccountSchema = AccountSummarySchema.extend({
  loginId: z.string().openapi({ description: 'Identifiant de connexion, à communiquer au titulaire (étape 3 du guide)', example: 'JLO000439' }),
  holder: z.string().openapi({ description: 'Le titulaire, tel que le montre l’étape 3 du guide', example: 'M. Jean Louty' }),
})
  .openapi('CreatedAccount');

/** Accounts ticked on the list screen, at most `max`. */
const selectedAccountIds = (max: number, tooMany: string) =>
  z.array(z.uuid({ error: 'Identifiant invalide.' })).min(1, 'Sélectionnez au moins un compte.').max(max, tooMany);

export const IdsBody = z
  .object({
    ids: selectedAccountIds(500, '500 comptes au plus par opération.').openapi({
      description: 'Comptes sélectionnés',
      example: ['0b8f3c1e-4c8a-4a57-9d55-0d3c5a1f2b77'],
    }),
  })
  .openapi('AccountSelection');

export const EXPORT_BODY_MAX_IDS = 1000;

export const ExportSelectionBody = z
  .object({
    ids: z
      .array(z.uuid({ error: 'Identifiant invalide.' }))
      .min(1, 'Sélectionnez au moins un compte.')
      .max(EXPORT_BODY_MAX_IDS, `${EXPORT_BODY_MAX_IDS} comptes au plus par export.`)
      .openapi({ description: 'Comptes à exporter', example: ['0b8f3c1e-4c8a-4a57-9d55-0d3c5a1f2b77'] }),
  })
  .openapi('ExportSelection');

export const BulkReportSchema = z
  .object({
    done: z.number().int().openapi({ description: 'Comptes traités', example: 2 }),
    refused: z.number().int().openapi({ description: 'Comptes refusés', example: 1 }),
    results: z.array(
      z.object({
        id: z.string().openapi({ description: 'Compte', example: '0b8f3c1e-4c8a-4a57-9d55-0d3c5a1f2b77' }),
        loginId: z.string().optional().openapi({ description: 'Identifiant (si le compte a été trouvé)', example: 'JLO000439' }),
        outcome: z.enum(['done', 'refused']).openapi({ description: 'Résultat pour ce compte', example: 'done' }),
        code: z.string().optional().openapi({ description: 'Code du refus', example: 'last_active_admin' }),
        message: z.string().optional().openapi({ description: 'Explication du refus, en français', example: 'Ce compte est le dernier administrateur actif.' }),
      }),
    ),
  })
  .openapi('BulkReport');

/** A renewal's selection: the accounts ticked on the list screen, or all of them. */
export const RenewalSelectionBody = z
  .object({
    ids: selectedAccountIds(10_000, '10 000 comptes au plus par sélection : au-delà, renouvelez tous les comptes (`all`).')
      .optional()
      .openapi({ description: 'Comptes sélectionnés (absent si `all`)', example: ['0b8f3c1e-4c8a-4a57-9d55-0d3c5a1f2b77'] }),
    all: z
      .literal(true)
      .optional()
      .openapi({ description: "Tous les comptes non supprimés de l'établissement, expirés compris (absent si `ids`)", example: true }),
  })
  .superRefine((body, ctx) => {
    if ((body.ids === undefined) === (body.all === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['ids'], message: 'Indiquez soit les comptes sélectionnés (`ids`), soit tous les comptes (`all: true`).' });
    }
  })
  .openapi('RenewalSelection');

export const RenewalReportSchema = BulkReportSchema.extend({
  expiresOn: isoDay('Nouvelle date d’expiration des comptes renouvelés'),
  signalsWorkflowId: z.string().nullable().openapi({
    description: 'Workflow Temporal qui informe les suivis de validité des comptes renouvelés (null si aucun compte ne l’a été)',
    example: 'validity-renewal-signals-5d1c2a44-0a52-4c55-a0a6-7f2f4f7b9f11',
  }),
}).openapi('RenewalReport');

export const RenewalPreviewSchema = z
  .object({
    count: z.number().int().openapi({ description: 'Comptes qui seraient renouvelés', example: 2 }),
    expiresOn: isoDay('Date d’expiration qu’ils recevraient'),
    message: z.string().openapi({
      description: 'La phrase de confirmation du guide, à afficher avant de confirmer',
      example: "Vous allez renouveler les droits pour : 2 utilisateurs jusqu'au 18/09/2025",
    }),
    notFound: z.array(z.string()).openapi({ description: 'Comptes sélectionnés introuvables dans l’établissement (ils seraient refusés)', example: [] }),
  })
  .openapi('RenewalPreview');
