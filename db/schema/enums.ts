import { pgEnum } from 'drizzle-orm/pg-core';
import { CIVILITIES, PROFILES, RIGHT_LEVELS, STORED_STATUSES } from '../../domain/account';

export const profileEnum = pgEnum('profile', PROFILES);
export const civilityEnum = pgEnum('civility', CIVILITIES);
export const accountStatusEnum = pgEnum('account_status', STORED_STATUSES);
export const rightLevelEnum = pgEnum('right_level', RIGHT_LEVELS);
