import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AccountRuleError, FieldError } from '../accounts/errors';

export type { FieldError } from '../accounts/errors';

/** Every error the API answers with: a stable code, its HTTP status and a French title. */
export const ERRORS = {
  validation_failed: { status: 400, title: 'Données invalides' },
  invalid_json: { status: 400, title: 'Corps de requête illisible' },
  invalid_cursor: { status: 400, title: 'Curseur de pagination périmé' },
  unauthenticated: { status: 401, title: 'Authentification requise' },
  invalid_credentials: { status: 401, title: 'Identifiant ou mot de passe incorrect' },
  forbidden: { status: 403, title: 'Action non autorisée' },
  account_not_usable: { status: 403, title: 'Compte inutilisable' },
  not_found: { status: 404, title: 'Introuvable' },
  conflict: { status: 409, title: 'Conflit' },
  account_expired: { status: 409, title: 'Compte expiré' },
  last_active_admin: { status: 409, title: 'Dernier administrateur actif' },
  admin_demotion_refused: { status: 409, title: 'Profil administrateur non modifiable' },
  account_not_pending: { status: 409, title: 'Compte déjà activé' },
  account_not_blocked: { status: 409, title: 'Compte non bloqué' },
  account_not_admin: { status: 409, title: 'Compte non administrateur' },
  siret_already_registered: { status: 409, title: 'Établissement déjà inscrit' },
  terms_version_exists: { status: 409, title: 'Version des CGU déjà publiée' },
  terms_version_not_current: { status: 409, title: "Cette version des CGU n'est pas celle en vigueur" },
  terms_admin_delay: { status: 409, title: 'Délai de 8 jours non écoulé' },
  terms_not_accepted: { status: 403, title: 'CGU non validées' },
  opposition_window_closed: { status: 409, title: "Délai d'opposition écoulé" },
  registration_settled: { status: 409, title: 'Inscription déjà réglée' },
  letter_not_waiting: { status: 409, title: "Courrier pas en attente d'envoi" },
  not_attached: { status: 404, title: 'Établissement non rattaché' },
  already_attached: { status: 409, title: 'Établissement déjà rattaché' },
  delegation_pending: { status: 409, title: 'Demande de délégation en attente' },
  delegation_not_pending: { status: 409, title: 'Demande de délégation déjà traitée' },
  delegation_not_living: { status: 409, title: 'Délégation terminée' },
  idempotency_key_reused: { status: 422, title: "Clé d'idempotence déjà utilisée" },
  link_invalid: { status: 410, title: 'Lien invalide ou expiré' },
  account_blocked: { status: 423, title: 'Compte bloqué' },
  too_many_requests: { status: 429, title: 'Trop de demandes' },
  payload_too_large: { status: 413, title: 'Requête trop volumineuse' },
  unsupported_media_type: { status: 415, title: 'Type de contenu non pris en charge' },
  internal_error: { status: 500, title: 'Erreur interne' },
  service_unavailable: { status: 503, title: 'Service indisponible' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** The only error type handlers throw; `onError` turns it into problem+json. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  /** Sent as `Retry-After` (seconds): on 503 and 429, when the caller may try again. */
  readonly retryAfterSeconds?: number;
  constructor(
    readonly code: ErrorCode,
    /** For people, in French. */
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; [key: string]: unknown } = {},
    options: { retryAfterSeconds?: number } = {},
  ) {
    super(`${code}: ${detail}`);
    this.name = 'ApiError';
    this.status = ERRORS[code].status;
    this.retryAfterSeconds = options.retryAfterSeconds ?? (code === 'service_unavailable' ? UNAVAILABLE_RETRY_AFTER_SECONDS : undefined);
  }

  /** The HTTP answer to a refusal of the account rules: same code, same French detail (every rule code is an ErrorCode, or this does not compile). */
  static fromRule(error: AccountRuleError): ApiError {
    return new ApiError(error.code, error.detail, error.extra);
  }
}

/** An outage of PostgreSQL or Temporal: clients may retry after this many seconds. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export const serviceUnavailable = () =>
  new ApiError('service_unavailable', 'Le service est momentanément indisponible : rien n’a été modifié. Réessayez dans quelques instants.');

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance: string;
  requestId: string;
  errors?: FieldError[];
  [key: string]: unknown;
}

export function toProblem(error: ApiError, instance: string, requestId: string): Problem {
  return {
    // Extra members come first: the members RFC 9457 defines (an integer `status`…) cannot be overwritten.
    ...error.extra,
    type: `urn:peps:problem:${error.code}`,
    title: ERRORS[error.code].title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    instance,
    requestId,
  };
}

export const notFound = (what = 'Cette ressource') => new ApiError('not_found', `${what} est introuvable.`);
