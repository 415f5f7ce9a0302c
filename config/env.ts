import path from 'node:path';
import { z } from 'zod';

const REPO_ROOT = path.resolve(__dirname, '..');

/**
 * Every environment variable the processes read, parsed once at start-up.
 * A wrong value stops the process with the variable's name (see `loadConfig`).
 */
const port = z.coerce.number().int().min(1).max(65535);
const url = z.url();

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),

    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'doit être une URL postgres://')
      .optional()
      .describe('PostgreSQL server; unset = embedded PostgreSQL in .data/postgres'),
    DATABASE_RETRY_SECONDS: z.coerce
      .number()
      .min(0)
      .max(60)
      .default(15)
      .describe('How long an API request waits out a lost PostgreSQL (a restart) before its 503; 0 = answer 503 at once'),
    EMBEDDED_POSTGRES_PORT: port.default(54329),
    DATA_DIR: z.string().min(1).default('.data').describe('Local state of npm start: embedded PostgreSQL, Temporal dev server, mailbox'),

    TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('peps-accounts'),
    TEMPORAL_UI_PORT: port.default(8233),

    API_PORT: port.default(3000),
    PUBLIC_BASE_URL: url.default('http://localhost:3000'),

    MAIL_FROM: z.string().min(3).default("Plateforme Employeurs Publics Pep's <ne-pas-repondre@peps.localhost>"),
    RESEND_API_KEY: z.string().min(1).optional(),
    RESEND_BASE_URL: url.optional(),
    MAIL_SINK_PORT: port.default(3025),
    MAIL_SINK_HOST: z.string().min(1).default('127.0.0.1'),

    OPERATOR_TOKEN: z.string().min(16, 'au moins 16 caractères').optional(),
    TOKEN_SECRET: z.string().min(32, 'au moins 32 caractères').optional(),
    SESSION_TTL_MINUTES: z.coerce.number().int().min(5).max(24 * 60).default(8 * 60),
    TRUST_PROXY_HOPS: z.coerce
      .number()
      .int()
      .min(0)
      .max(10)
      .default(0)
      .describe('Reverse proxies in front of the API whose X-Forwarded-For is trusted (0 = the socket address)'),

    OPPOSITION_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(30).describe('Days the legal representative has to oppose, from posting'),
    LETTER_POSTING_DAYS: z.coerce.number().int().min(1).max(60).default(5).describe('Days after which an unposted letter is flagged'),
    DELEGATION_ANSWER_DAYS: z.coerce.number().int().min(1).max(365).default(30).describe('Days to answer a delegation request before it lapses'),
    DELEGATION_REMINDER_DAYS: z.coerce.number().int().min(1).max(365).default(7).describe('Days before the lapse the reminder goes'),

    WORKER_MAX_CACHED_WORKFLOWS: z.coerce
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(100)
      .describe('Workflows the worker keeps in memory between their tasks (~0.5 MB each); the others replay from their history'),
    WORKER_WORKFLOW_STACK_TRACES: z
      .enum(['on', 'off'])
      .default('off')
      .describe("'on': the Temporal UI's « Stack Trace » of a running workflow works, at ~10 ms of worker CPU per activation email"),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== 'production') return;
    for (const key of ['DATABASE_URL', 'OPERATOR_TOKEN', 'TOKEN_SECRET'] as const) {
      if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'obligatoire en production' });
    }
    if (!env.RESEND_API_KEY && !env.RESEND_BASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['RESEND_API_KEY'], message: 'obligatoire en production (ou RESEND_BASE_URL)' });
    }
  });

export type Env = z.infer<typeof envSchema>;

// Development-only fallbacks: production refuses to start without real values (superRefine above).
const DEV_OPERATOR_TOKEN = 'dev-operator-token-change-me';
const DEV_TOKEN_SECRET = 'dev-only-token-secret-never-use-in-production';

export const EMBEDDED_DATABASE_NAME = 'peps';
export function embeddedDatabaseUrl(port: number, database = EMBEDDED_DATABASE_NAME): string {
  return `postgres://postgres:postgres@127.0.0.1:${port}/${database}`;
}

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: Env) {
  return {
    nodeEnv: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    /** Relative paths are from the repository root. */
    dataDir: path.resolve(REPO_ROOT, env.DATA_DIR),
    database: {
      url: env.DATABASE_URL ?? embeddedDatabaseUrl(env.EMBEDDED_POSTGRES_PORT),
      embedded: env.DATABASE_URL === undefined,
      retryMs: env.DATABASE_RETRY_SECONDS * 1_000,
      embeddedPort: env.EMBEDDED_POSTGRES_PORT,
    },
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      uiPort: env.TEMPORAL_UI_PORT,
    },
    api: { port: env.API_PORT, publicBaseUrl: env.PUBLIC_BASE_URL.replace(/\/+$/, '') },
    mail: {
      from: env.MAIL_FROM,
      resendApiKey: env.RESEND_API_KEY,
      // Without a key the Resend SDK talks to the local sink (dev/mail-sink.ts).
      resendBaseUrl: env.RESEND_BASE_URL ?? (env.RESEND_API_KEY ? undefined : `http://localhost:${env.MAIL_SINK_PORT}`),
      sinkPort: env.MAIL_SINK_PORT,
      sinkHost: env.MAIL_SINK_HOST,
    },
    operatorToken: env.OPERATOR_TOKEN ?? DEV_OPERATOR_TOKEN,
    tokenSecret: env.TOKEN_SECRET ?? DEV_TOKEN_SECRET,
    sessionTtlMinutes: env.SESSION_TTL_MINUTES,
    trustProxyHops: env.TRUST_PROXY_HOPS,
    adminRegistration: { oppositionWindowDays: env.OPPOSITION_WINDOW_DAYS, letterPostingDays: env.LETTER_POSTING_DAYS },
    delegation: { answerWithinDays: env.DELEGATION_ANSWER_DAYS, remindDaysBefore: env.DELEGATION_REMINDER_DAYS },
    worker: { maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS, workflowStackTraces: env.WORKER_WORKFLOW_STACK_TRACES === 'on' },
  };
}

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(
      'Configuration invalide :\n' + issues.map((i) => `  - ${i.variable}: ${i.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming each bad variable. Empty strings count as unset. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '?'), message: issue.message })),
    );
  }
  return toConfig(parsed.data);
}

/** For process entry points: a bad value prints the variable's name and exits. */
export function loadConfigOrExit(source: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(source);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
