import {
  ErrorCode,
  EventoError,
  type PayloadValidationError,
  type ValidatePayloadRequest,
  type ValidatePayloadResponse,
} from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import Ajv, { type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { createHash } from 'node:crypto';
import { CatalogRepository } from './catalog.repository';

/** Enough for a bundle author to fix a body; a huge body does not make a huge reply. */
export const MAX_VALIDATION_ERRORS = 100;

const AJV_OPTIONS: Options = { strict: false, allErrors: true, loadSchema: undefined };

interface CachedValidator {
  hash: string;
  validate: ValidateFunction;
}

/**
 * Validates payload bodies against the JSON Schemas bundles registered. Each schema is compiled
 * once per bundle and payload and kept while its hash stays the same: a bundle that registers a
 * changed schema gets a fresh compile, and the cache holds at most one entry per payload.
 */
@Injectable()
export class PayloadValidator {
  private readonly cache = new Map<string, CachedValidator>();
  private readonly compilers = new Map<string, Ajv>();
  /** Compiles done since boot (tests read it to see the cache at work). */
  compiles = 0;

  constructor(private readonly repository: CatalogRepository) {}

  async validate(request: ValidatePayloadRequest): Promise<ValidatePayloadResponse> {
    const declared = await this.repository.payloadSchemas(request.payloadName);
    if (declared.length === 0) {
      throw new EventoError(ErrorCode.NOT_FOUND, `No bundle declares payload ${request.payloadName}`);
    }
    // Two bundles may declare the same name: the body must fit every registered schema.
    const errors: PayloadValidationError[] = [];
    for (const { bundleId, jsonSchema: schema } of declared) {
      if (!schema) continue;
      const validate = this.validatorFor(bundleId, request.payloadName, schema);
      if (validate(request.body)) continue;
      for (const error of validate.errors ?? []) {
        errors.push({
          path: error.instancePath,
          message: declared.length > 1 ? `${bundleId}: ${describe(error)}` : describe(error),
        });
      }
    }
    return { valid: errors.length === 0, errors: errors.slice(0, MAX_VALIDATION_ERRORS) };
  }

  private validatorFor(bundleId: string, payloadName: string, schema: Record<string, unknown>): ValidateFunction {
    const key = `${bundleId}\u0000${payloadName}`;
    // jsonb keeps keys in one canonical order, so the same schema always hashes the same.
    const hash = createHash('sha256').update(JSON.stringify(schema)).digest('hex');
    const cached = this.cache.get(key);
    if (cached?.hash === hash) return cached.validate;

    const compiler = this.compilerFor(schema);
    let validate: ValidateFunction;
    try {
      validate = compiler.compile(schema);
    } catch (error) {
      throw new EventoError(
        ErrorCode.INTERNAL,
        `Registered schema of ${payloadName} (${bundleId}) does not compile: ${String(error)}`,
      );
    } finally {
      // The compiled function keeps what it needs; forgetting the schema lets bundles reuse $ids.
      compiler.removeSchema(schema);
    }
    this.compiles += 1;
    this.cache.set(key, { hash, validate });
    return validate;
  }

  private compilerFor(schema: Record<string, unknown>): Ajv {
    const named = typeof schema.$schema === 'string' ? schema.$schema : '';
    const draft = named.includes('2020-12') ? '2020-12' : named.includes('2019-09') ? '2019-09' : '07';
    let compiler = this.compilers.get(draft);
    if (!compiler) {
      compiler =
        draft === '2020-12'
          ? new Ajv2020(AJV_OPTIONS)
          : draft === '2019-09'
            ? new Ajv2019(AJV_OPTIONS)
            : new Ajv(AJV_OPTIONS);
      addFormats(compiler);
      this.compilers.set(draft, compiler);
    }
    return compiler;
  }
}

function describe(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty?: string }).additionalProperty;
    return `must not have property '${String(extra)}'`;
  }
  return error.message ?? error.keyword;
}
