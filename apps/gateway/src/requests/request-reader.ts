import { Injectable } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config';
import { BundleAuth } from './bundle-auth';
import { type RequestContext, requestContextFrom } from './request-context';

/** Turns the headers of an incoming request into its context, after checking who sent it. */
@Injectable()
export class RequestReader {
  constructor(
    private readonly auth: BundleAuth,
    private readonly config: GatewayConfig,
  ) {}

  /** NATS requests come from bundles: their token is checked. */
  fromBundle(get: (name: string) => string | undefined): RequestContext {
    this.auth.check(get);
    return this.context(get);
  }

  /** HTTP requests passed the operator token check already. */
  fromOperator(get: (name: string) => string | undefined): RequestContext {
    return this.context(get);
  }

  private context(get: (name: string) => string | undefined): RequestContext {
    return requestContextFrom(get, {
      defaultTimeoutMs: this.config.GATEWAY_DEFAULT_TIMEOUT_MS,
      maxTimeoutMs: this.config.GATEWAY_MAX_TIMEOUT_MS,
    });
  }
}
