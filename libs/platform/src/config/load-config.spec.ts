import { IsBoolean, IsInt, IsOptional, Min } from 'class-validator';
import { BaseConfig } from './base.config';
import { ConfigValidationError, loadConfig } from './load-config';

class SampleConfig extends BaseConfig {
  override HTTP_PORT = 3999;

  @IsInt()
  @Min(1)
  SAMPLE_LIMIT = 5;

  @IsOptional()
  @IsBoolean()
  SAMPLE_FLAG?: boolean;
}

describe('loadConfig', () => {
  it('applies the defaults that fit the local machine', () => {
    const config = loadConfig(SampleConfig, {}, {});
    expect(config).toMatchObject({
      HTTP_PORT: 3999,
      NATS_URL: 'nats://127.0.0.1:4222',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/evento',
      NODE_ENV: 'development',
      SAMPLE_LIMIT: 5,
    });
    expect(config.logFormat).toBe('pretty');
    expect(config.docsPublic).toBe(true);
  });

  it('reads and converts environment values, ignoring unrelated variables', () => {
    const config = loadConfig(
      SampleConfig,
      {},
      {
        HTTP_PORT: '4000',
        SAMPLE_LIMIT: '7',
        DATABASE_CREATE: 'false',
        NATS_URL: 'nats://a:4222, nats://b:4222',
        PATH: '/usr/bin',
      },
    );
    expect(config.HTTP_PORT).toBe(4000);
    expect(config.SAMPLE_LIMIT).toBe(7);
    expect(config.DATABASE_CREATE).toBe(false);
    expect(config.natsServers).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(config).not.toHaveProperty('PATH');
    expect(config).toBeInstanceOf(SampleConfig);
    expect(loadConfig(SampleConfig, {}, { SAMPLE_FLAG: ' Yes ', DATABASE_CREATE: 'off' })).toMatchObject({
      SAMPLE_FLAG: true,
      DATABASE_CREATE: false,
    });
  });

  it('lists every problem at once', () => {
    let caught: unknown;
    try {
      loadConfig(SampleConfig, {}, { HTTP_PORT: 'eighty', SAMPLE_LIMIT: '0', NATS_URL: 'http://x', NODE_ENV: 'prod' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigValidationError);
    const problems = (caught as ConfigValidationError).problems.join('\n');
    for (const name of ['HTTP_PORT', 'SAMPLE_LIMIT', 'NATS_URL', 'NODE_ENV']) expect(problems).toContain(name);
    expect((caught as ConfigValidationError).problems).toEqual(
      expect.arrayContaining([
        'HTTP_PORT must be an integer number',
        'SAMPLE_LIMIT must not be less than 1',
        'NATS_URL must be one or more nats:// URLs separated by commas',
      ]),
    );
  });

  it('requires an operator token in production and never echoes secrets', () => {
    expect(() => loadConfig(SampleConfig, {}, { NODE_ENV: 'production' })).toThrow(/OPERATOR_TOKEN/);
    const secret = 'postgres://u:hunter2-secret@db/evento with spaces';
    try {
      loadConfig(SampleConfig, {}, { DATABASE_URL: secret });
      throw new Error('expected a validation error');
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('hunter2');
    }
    const ok = loadConfig(SampleConfig, {}, { NODE_ENV: 'production', OPERATOR_TOKEN: 'a-long-enough-token-1234' });
    expect(ok.logFormat).toBe('json');
    expect(ok.docsPublic).toBe(false);
  });

  it('treats empty optional values as unset', () => {
    const config = loadConfig(SampleConfig, {}, { DOCS_PUBLIC: '', LOG_FORMAT: '', NATS_TOKEN: '', HTTP_HOST: ' ' });
    expect(config.DOCS_PUBLIC).toBeUndefined();
    expect(config.NATS_TOKEN).toBeUndefined();
    expect(config.HTTP_HOST).toBe('127.0.0.1');
  });

  it('gives each load its own initialiser values', () => {
    expect(loadConfig(SampleConfig, {}, {}).INSTANCE_ID).not.toBe(loadConfig(SampleConfig, {}, {}).INSTANCE_ID);
  });

  it('redacts the database password for display', () => {
    const config = loadConfig(SampleConfig, {}, { DATABASE_URL: 'postgres://evento:s3cret@db:5432/evento' });
    expect(config.databaseUrlRedacted).toBe('postgres://evento:***@db:5432/evento');
  });

  describe('operator credentials', () => {
    const ALICE = 'alice-token-0123456789';
    const problemsOf = (env: Record<string, string>): string[] => {
      try {
        loadConfig(SampleConfig, {}, env);
        return [];
      } catch (error) {
        if (error instanceof ConfigValidationError) return error.problems;
        throw error;
      }
    };

    it('in production needs OPERATOR_TOKEN, OPERATOR_TOKENS or OIDC, saying so', () => {
      expect(problemsOf({ NODE_ENV: 'production' })).toContain(
        'OPERATOR_TOKEN, OPERATOR_TOKENS or OIDC_ISSUER with OIDC_AUDIENCE is required when NODE_ENV=production',
      );
      expect(problemsOf({ NODE_ENV: 'production', OPERATOR_TOKENS: `alice:admin:${ALICE}` })).toEqual([]);
      expect(
        problemsOf({
          NODE_ENV: 'production',
          OIDC_ISSUER: 'https://id.example/realms/evento',
          OIDC_AUDIENCE: 'evento',
        }),
      ).toEqual([]);
      expect(problemsOf({})).toEqual([]);
    });

    it('validates OPERATOR_TOKENS at boot without echoing a token', () => {
      const problems = problemsOf({ OPERATOR_TOKENS: `alice:viewer:${ALICE},bob:admin:${ALICE}` });
      expect(problems).toEqual(['OPERATOR_TOKENS entries 1 and 2 have the same token']);
      expect(problemsOf({ OPERATOR_TOKENS: `alice:root:${ALICE}` })).toEqual([
        'OPERATOR_TOKENS entry 1 of 1: the role must be viewer, operator or admin',
      ]);
      expect(problemsOf({ OPERATOR_TOKENS: `alice:viewer:${ALICE}`, OPERATOR_TOKEN: ALICE })).toEqual([
        'OPERATOR_TOKENS entry 1 has the same token as OPERATOR_TOKEN',
      ]);
      expect(problemsOf({ OPERATOR_TOKENS: 'alice:viewer:tooshort' }).join()).not.toContain('tooshort');
      expect(problemsOf({ OPERATOR_TOKENS: `alice:viewer:${ALICE}` })).toEqual([]);
    });

    it('takes OIDC settings as a whole, https only in production', () => {
      expect(problemsOf({ OIDC_ISSUER: 'http://127.0.0.1:8080/realms/evento' })).toEqual([
        'OIDC_AUDIENCE is required with OIDC_ISSUER: 1-512 characters without spaces',
      ]);
      expect(problemsOf({ OIDC_AUDIENCE: 'evento' })).toEqual([
        'OIDC_ISSUER must be an http(s) URL, https in production, and is required with any other OIDC_ setting',
      ]);
      const oidc = { OIDC_ISSUER: 'http://127.0.0.1:8080/realms/evento', OIDC_AUDIENCE: 'evento' };
      expect(problemsOf(oidc)).toEqual([]);
      expect(problemsOf({ ...oidc, NODE_ENV: 'production' })).toEqual([
        'OIDC_ISSUER must be an http(s) URL, https in production, and is required with any other OIDC_ setting',
      ]);
      expect(
        problemsOf({
          NODE_ENV: 'production',
          OIDC_ISSUER: 'https://id.example',
          OIDC_AUDIENCE: 'evento',
          OIDC_JWKS_URL: 'http://id.example/jwks',
          OIDC_ROLE_MAP: 'evento-admins=root',
        }),
      ).toEqual([
        'OIDC_JWKS_URL must be an http(s) URL, https in production',
        'OIDC_ROLE_MAP must be idpRole=role pairs separated by commas, role viewer, operator or admin, each idpRole once',
      ]);
      const config = loadConfig(SampleConfig, {}, { ...oidc, OIDC_ROLES_CLAIM: 'realm_access.roles' });
      expect(config.OIDC_ROLES_CLAIM).toBe('realm_access.roles');
      expect(loadConfig(SampleConfig, {}, {}).OIDC_ROLES_CLAIM).toBe('roles');
    });
  });
});
