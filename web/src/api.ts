/**
 * The one way the console talks to the API: openapi-fetch typed by api-types.ts (generated from the
 * API's OpenAPI document), the session's bearer token added to every call, and every refusal turned
 * into an ApiProblem carrying the API's French `detail` and its field errors.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './api-types';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];
export type Me = Schemas['Me'];
export type AccountSummary = Schemas['AccountSummary'];
export type AccountDetail = Schemas['AccountDetail'];

const TOKEN_KEY = 'peps.session';

/** The session lives in this tab only (sessionStorage): closing the tab logs out, and no cookie means no CSRF. */
export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
  /** The message the API gave for one field (first path segment), if any. */
  field(name: string): string | undefined {
    return this.problem.errors?.find((e) => e.field.split('.')[0] === name)?.message;
  }
}

let onSessionLost: () => void = () => {};
export function whenSessionLost(handler: () => void) {
  onSessionLost = handler;
}

export const api = createClient<paths>({ baseUrl: location.origin });
api.use({
  onRequest({ request }) {
    const token = session.token();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && session.token() && !request.url.endsWith('/auth/login')) {
      session.clear();
      onSessionLost();
    }
    return response;
  },
});

const OFFLINE: Problem = {
  type: 'about:blank',
  title: 'Service injoignable',
  status: 0,
  code: 'network_error',
  detail: 'La plateforme ne répond pas. Vérifiez votre connexion puis réessayez.',
  instance: '',
  requestId: '',
};

/** The data of an answer, or an ApiProblem (the API's own problem, or « injoignable » when none came). */
export async function must<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ApiProblem(OFFLINE);
  }
  if (result.error !== undefined || !result.response.ok) {
    const error = result.error as Partial<Problem> | undefined;
    throw new ApiProblem(error && typeof error.detail === 'string' ? (error as Problem) : { ...OFFLINE, status: result.response.status });
  }
  return result.data as T;
}

export function problemOf(error: unknown): ApiProblem {
  return error instanceof ApiProblem ? error : new ApiProblem({ ...OFFLINE, detail: String((error as Error)?.message ?? error) });
}
