import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/env';

describe('configuration', () => {
  it('has working defaults for development', () => {
    const config = loadConfig({});
    expect(config.api.port).toBe(3000);
    expect(config.database.embedded).toBe(true);
    expect(config.mail.resendBaseUrl).toBe('http://localhost:3025');
  });

  it('names the variable of a wrong value', () => {
    expect(() => loadConfig({ API_PORT: 'abc' })).toThrow(ConfigError);
    const both = () => loadConfig({ API_PORT: '70000', DATABASE_URL: 'mysql://x' });
    expect(both).toThrow(/API_PORT/);
    expect(both).toThrow(expect.toSatisfy((error: ConfigError) => error.issues.map((i) => i.variable).sort().join() === 'API_PORT,DATABASE_URL'));
  });

  it('refuses development secrets in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/OPERATOR_TOKEN/);
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db/peps',
      OPERATOR_TOKEN: 'x'.repeat(32),
      TOKEN_SECRET: 'y'.repeat(32),
      RESEND_API_KEY: 're_123',
    });
    expect(config.mail.resendBaseUrl).toBeUndefined();
    expect(config.database.embedded).toBe(false);
  });
});
