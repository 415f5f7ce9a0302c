import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, apiTypesSource } from '../../web/gen-types';

describe("the console's API types", () => {
  it('are those of the OpenAPI document the API serves today (else: npm run web:types, then look at the console)', async () => {
    expect(readFileSync(API_TYPES_FILE, 'utf8')).toBe(await apiTypesSource());
  });
});
