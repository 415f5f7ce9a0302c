import type { Client } from '@temporalio/client';
import type { Config } from '../config/env';
import type { Database } from '../db/client';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Built once at start-up and handed to `createApp`; tests pass their own. */
export interface Deps {
  db: Database;
  temporal: Client;
  config: Config;
  clock: Clock;
}
