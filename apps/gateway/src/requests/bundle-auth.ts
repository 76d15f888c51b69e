import { ErrorCode, EventoError, Headers } from '@evento/contracts';
import { BundleTokens } from '@evento/platform';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config';

/**
 * With bundle tokens configured, every request names its bundle and carries that bundle's
 * token (the same one its hello carries); anything else is refused before it is routed.
 */
@Injectable()
export class BundleAuth implements OnModuleInit {
  private readonly logger = new Logger(BundleAuth.name);
  private readonly tokens: BundleTokens;

  constructor(config: GatewayConfig) {
    this.tokens = new BundleTokens(config.BUNDLE_TOKEN, config.BUNDLE_TOKENS);
  }

  onModuleInit(): void {
    if (this.tokens.open) {
      this.logger.warn('Neither BUNDLE_TOKEN nor BUNDLE_TOKENS is set: the gateway serves every request');
    }
  }

  check(get: (name: string) => string | undefined): void {
    if (this.tokens.open) return;
    const bundleId = get(Headers.bundleId) ?? '';
    const verdict = this.tokens.check(bundleId, get(Headers.token));
    if (verdict === 'rejected') {
      throw new EventoError(
        ErrorCode.UNAUTHORIZED,
        `A valid bundle token is required (headers ${Headers.bundleId} and ${Headers.token})`,
      );
    }
  }
}
