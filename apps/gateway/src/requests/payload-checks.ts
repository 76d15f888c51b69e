import { ErrorCode, EventoError, RegistryContracts } from '@evento/contracts';
import { EventoClient } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config';
import type { RequestContext } from './request-context';

/**
 * With GATEWAY_VALIDATE_PAYLOADS on, bodies are checked against the JSON Schema their bundle
 * registered before anything runs; the registry holds the compiled schemas.
 */
@Injectable()
export class PayloadChecks {
  constructor(
    private readonly client: EventoClient,
    private readonly config: GatewayConfig,
  ) {}

  get enabled(): boolean {
    return this.config.GATEWAY_VALIDATE_PAYLOADS;
  }

  async check(payloadName: string, body: Record<string, unknown>, context: RequestContext): Promise<void> {
    if (!this.enabled) return;
    let verdict;
    try {
      verdict = await this.client.request(
        RegistryContracts.validatePayload,
        { payloadName, body },
        context.downstream(`before ${payloadName} was validated`),
      );
    } catch (error) {
      if (error instanceof EventoError && error.code === ErrorCode.NOT_FOUND) {
        throw new EventoError(ErrorCode.SCHEMA_VALIDATION_FAILED, `No bundle declares ${payloadName}`, {
          payload: payloadName,
          errors: [],
        });
      }
      throw error;
    }
    if (!verdict.valid) {
      throw new EventoError(
        ErrorCode.SCHEMA_VALIDATION_FAILED,
        `${payloadName} breaks its registered JSON Schema: ${verdict.errors
          .slice(0, 3)
          .map((error) => `${error.path || '/'} ${error.message}`)
          .join('; ')}`,
        { payload: payloadName, errors: verdict.errors },
      );
    }
  }
}
