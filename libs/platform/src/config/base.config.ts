import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  type ValidationArguments,
  ValidateIf,
} from 'class-validator';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { isIdentityProviderUrl, parseRoleMap } from '../auth/oidc-verifier';
import { parseOperatorTokens } from '../auth/operator-tokens';

export const PROFILES = ['development', 'test', 'production'] as const;
export type Profile = (typeof PROFILES)[number];

/** Variables whose values are secrets: never logged, never returned. */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'NATS_PASSWORD',
  'NATS_TOKEN',
  'OPERATOR_TOKEN',
  'OPERATOR_TOKENS',
  'BUNDLE_TOKEN',
  'BUNDLE_TOKENS',
] as const;

/**
 * Settings every app reads from the environment. Each app extends it with its own
 * variables and its own default port. Defaults fit a machine with NATS on
 * nats://127.0.0.1:4222 and Postgres on 127.0.0.1:5432 (user postgres, trust auth).
 */
export class BaseConfig {
  /** development: pretty logs, open docs; production: JSON logs, operator credentials required. */
  @IsIn(PROFILES)
  NODE_ENV: Profile = 'development';

  @IsString()
  @IsNotEmpty()
  HTTP_HOST = '127.0.0.1';

  @IsInt()
  @Min(0)
  @Max(65535)
  HTTP_PORT: number;

  /** Comma-separated NATS server URLs. */
  @Matches(/^(nats|tls|ws|wss):\/\/[^\s,]+(\s*,\s*(nats|tls|ws|wss):\/\/[^\s,]+)*$/, {
    message: 'NATS_URL must be one or more nats:// URLs separated by commas',
  })
  NATS_URL = 'nats://127.0.0.1:4222';

  @IsOptional()
  @IsString()
  NATS_USER?: string;

  @IsOptional()
  @IsString()
  NATS_PASSWORD?: string;

  @IsOptional()
  @IsString()
  NATS_TOKEN?: string;

  /**
   * Prefix for every subject this suite serves and uses (`<prefix>.evento.v1.…`), so several
   * suites or test runs can share one NATS without seeing each other's messages. Bundles use
   * the same prefix. Unset: no prefix.
   */
  @IsOptional()
  @Matches(/^[a-z0-9-]{1,64}(\.[a-z0-9-]{1,64}){0,3}$/, {
    message: 'NATS_SUBJECT_PREFIX must be dot-separated tokens of a-z 0-9 -',
  })
  NATS_SUBJECT_PREFIX?: string;

  @Matches(/^postgres(ql)?:\/\/\S+\/[A-Za-z0-9_-]+(\?\S*)?$/, {
    message: 'DATABASE_URL must look like postgres://user[:password]@host:port/database',
  })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/evento';

  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** Create the database at boot when it does not exist (needs the CREATEDB privilege). */
  @IsBoolean()
  DATABASE_CREATE = true;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** `pretty` for people, `json` for log collectors. Defaults to pretty in development. */
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';

  /** How long SIGTERM may take: stop intake, finish in-flight work, close connections. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /** Timeout of each dependency check behind /health/ready. */
  @IsInt()
  @Min(50)
  @Max(60_000)
  HEALTH_TIMEOUT_MS = 1_500;

  /** Identifies this replica in logs and replies. */
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, { message: 'INSTANCE_ID must be 1-128 of A-Z a-z 0-9 . _ : -' })
  INSTANCE_ID = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

  /**
   * One static admin token, as before operators had roles: the same as an `OPERATOR_TOKENS`
   * entry `operator-token:admin:<token>`. Production needs it, OPERATOR_TOKENS or OIDC; when
   * none is set elsewhere the HTTP API is open (a warning is logged).
   */
  @ValidateIf(
    (config: BaseConfig) =>
      config.OPERATOR_TOKEN !== undefined ||
      (config.NODE_ENV === 'production' && config.OPERATOR_TOKENS === undefined && config.OIDC_ISSUER === undefined),
  )
  @IsString({
    message: 'OPERATOR_TOKEN, OPERATOR_TOKENS or OIDC_ISSUER with OIDC_AUDIENCE is required when NODE_ENV=production',
  })
  @Matches(/^\S{16,}$/, { message: 'OPERATOR_TOKEN must be at least 16 characters without spaces' })
  OPERATOR_TOKEN?: string;

  /**
   * Static operator tokens with roles: comma-separated `name:role:token` entries, role `viewer`,
   * `operator` or `admin`, token 16-512 characters; names and tokens unique. The name is what
   * request logs show.
   */
  @ValidateIf((config: BaseConfig) => config.OPERATOR_TOKENS !== undefined)
  @IsString()
  @ValidateBy({
    name: 'isOperatorTokens',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        typeof value === 'string' && 'entries' in parseOperatorTokens(value, legacyTokenOf(args)),
      defaultMessage: (args?: ValidationArguments) => {
        const parsed =
          typeof args?.value === 'string' ? parseOperatorTokens(args.value, legacyTokenOf(args)) : undefined;
        return `OPERATOR_TOKENS ${parsed && 'problem' in parsed ? parsed.problem : 'must be name:role:token entries'}`;
      },
    },
  })
  OPERATOR_TOKENS?: string;

  /**
   * OpenID Connect issuer whose JWTs operators may present (e.g. a Keycloak realm URL). Its
   * discovery document names the JWKS unless OIDC_JWKS_URL does. Needs OIDC_AUDIENCE.
   */
  @ValidateIf(
    (config: BaseConfig) =>
      config.OIDC_ISSUER !== undefined ||
      config.OIDC_AUDIENCE !== undefined ||
      config.OIDC_JWKS_URL !== undefined ||
      config.OIDC_ROLE_MAP !== undefined,
  )
  @ValidateBy({
    name: 'isIssuerUrl',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => isIdentityProviderUrl(value, isProduction(args)),
      defaultMessage: () =>
        'OIDC_ISSUER must be an http(s) URL, https in production, and is required with any other OIDC_ setting',
    },
  })
  OIDC_ISSUER?: string;

  /** The audience (`aud`) operators' tokens must be issued for, e.g. the client id `evento`. */
  @ValidateIf((config: BaseConfig) => config.OIDC_ISSUER !== undefined || config.OIDC_AUDIENCE !== undefined)
  @Matches(/^\S{1,512}$/, { message: 'OIDC_AUDIENCE is required with OIDC_ISSUER: 1-512 characters without spaces' })
  OIDC_AUDIENCE?: string;

  /** The issuer's JWKS; unset: the `jwks_uri` of its `/.well-known/openid-configuration`. */
  @IsOptional()
  @ValidateBy({
    name: 'isJwksUrl',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => isIdentityProviderUrl(value, isProduction(args)),
      defaultMessage: () => 'OIDC_JWKS_URL must be an http(s) URL, https in production',
    },
  })
  OIDC_JWKS_URL?: string;

  /**
   * The claim holding the operator's roles: a top-level claim of that name (Auth0's
   * `https://evento.example/roles`), else a dotted path (Keycloak's `realm_access.roles`).
   */
  @Matches(/^[\x21-\x7e]{1,256}$/, { message: 'OIDC_ROLES_CLAIM must be a claim name or dotted path' })
  OIDC_ROLES_CLAIM = 'roles';

  /**
   * The identity provider's role names mapped to ours: `idpRole=role` pairs, e.g.
   * `evento-admins=admin,evento-operators=operator`. Set, only mapped names count; unset, the
   * names `viewer`, `operator` and `admin` count as they are.
   */
  @IsOptional()
  @ValidateBy({
    name: 'isRoleMap',
    validator: {
      validate: (value: unknown) => {
        try {
          return typeof value === 'string' && parseRoleMap(value).size > 0;
        } catch {
          return false;
        }
      },
      defaultMessage: () =>
        'OIDC_ROLE_MAP must be idpRole=role pairs separated by commas, role viewer, operator or admin, each idpRole once',
    },
  })
  OIDC_ROLE_MAP?: string;

  /** Serve Swagger UI and /docs-json without credentials (else any role may). Defaults to true outside production. */
  @IsOptional()
  @IsBoolean()
  DOCS_PUBLIC?: boolean;

  /** The subject as this suite uses it on NATS (with NATS_SUBJECT_PREFIX when set). */
  subject(base: string): string {
    return withSubjectPrefix(this.NATS_SUBJECT_PREFIX, base);
  }

  get natsServers(): string[] {
    return this.NATS_URL.split(',').map((url) => url.trim());
  }

  /** How long a shutdown waits for requests in flight once intake stopped: most of its budget. */
  get drainTimeoutMs(): number {
    return Math.max(100, Math.floor(this.SHUTDOWN_TIMEOUT_MS * 0.8));
  }

  get logFormat(): 'json' | 'pretty' {
    return this.LOG_FORMAT ?? (this.NODE_ENV === 'development' ? 'pretty' : 'json');
  }

  get docsPublic(): boolean {
    return this.DOCS_PUBLIC ?? this.NODE_ENV !== 'production';
  }

  /** The database URL with any password replaced, safe to print. */
  get databaseUrlRedacted(): string {
    return redactUrl(this.DATABASE_URL);
  }
}

function legacyTokenOf(args: ValidationArguments | undefined): string | undefined {
  const token = (args?.object as Partial<BaseConfig> | undefined)?.OPERATOR_TOKEN;
  return typeof token === 'string' ? token : undefined;
}

function isProduction(args: ValidationArguments | undefined): boolean {
  return (args?.object as Partial<BaseConfig> | undefined)?.NODE_ENV === 'production';
}

export function withSubjectPrefix(prefix: string | undefined, subject: string): string {
  return prefix ? `${prefix}.${subject}` : subject;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparsable url>';
  }
}
