/**
 * Temporal's worker runtime (SDK and Rust core) logs through the project's logger: one format, one
 * `LOG_LEVEL`, the same redaction. Installed once per process, before the first worker.
 */
import { DefaultLogger, type LogEntry, Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { LogLevel } from './logger';

const TEMPORAL_LEVELS = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' } as const;

export function installTemporalRuntimeLogger(logger: Logger, level: LogLevel): void {
  Runtime.install({
    logger: new DefaultLogger(TEMPORAL_LEVELS[level], (entry: LogEntry) => {
      const method = entry.level === 'TRACE' ? 'trace' : (entry.level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
      logger[method]({ ...entry.meta, source: 'temporal' }, entry.message);
    }),
    // The core's own logs are forwarded to the logger above (never printed by the core itself).
    telemetryOptions: { logging: { forward: {}, filter: { core: TEMPORAL_LEVELS[level], other: TEMPORAL_LEVELS[level] } } },
  });
}
