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
});
