import type { Config } from '../config/env';
import type { Database } from '../db/client';
import type { Mailer } from './mailer';

/** What activities reach: built once by the worker and closed over by `createActivities`. */
export interface ActivityDeps {
  db: Database;
  mailer: Mailer;
  config: Pick<Config, 'tokenSecret'> & { api: Pick<Config['api'], 'publicBaseUrl'>; temporal: Pick<Config['temporal'], 'taskQueue'> };
}
