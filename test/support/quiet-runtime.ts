// Workers in tests log warnings and errors only: the INFO lines of every worker drown the report.
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { configureLogging } from '../../logging/logger';

Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
});

// The API's own logger: warnings and errors only, for the same reason (one line per request otherwise).
configureLogging({ level: 'warn' });
