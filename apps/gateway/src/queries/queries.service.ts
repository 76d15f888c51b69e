import { ErrorCode, EventoError, QueryOutcome, type QueryResult, type SendQueryRequest } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { InstanceDispatcher } from '../dispatch/instance-dispatcher.service';
import { GatewayMetrics, RequestTiming } from '../metrics/gateway-metrics.service';
import { PayloadChecks } from '../requests/payload-checks';
import type { RequestContext } from '../requests/request-context';
import { InstanceSelector } from '../dispatch/instance-selector';
import { RoutingTableService } from '../routing/routing-table.service';

/** Queries go to the least busy projection instance; reading twice is harmless, so a lost instance is retried. */
@Injectable()
export class QueriesService {
  constructor(
    private readonly routing: RoutingTableService,
    private readonly selector: InstanceSelector,
    private readonly dispatcher: InstanceDispatcher,
    private readonly checks: PayloadChecks,
    private readonly metrics: GatewayMetrics,
  ) {}

  async send(request: SendQueryRequest, context: RequestContext): Promise<QueryResult> {
    const timing = new RequestTiming('query', request.query);
    try {
      const destination = await this.routing.resolve(request.query, ['query'], context);
      timing.bundleId = destination.route.bundleId;
      await this.checks.check(request.query, request.payload, context);
      const { outcome, instance } = await timing.time('bundleMs', () =>
        this.dispatcher.dispatch(
          destination,
          { type: 'query', query: request.query, payload: request.payload, metadata: request.metadata ?? {} },
          context,
          QueryOutcome,
          { pick: (instances) => this.selector.balanced(instances), resendWhenLost: true },
        ),
      );
      this.metrics.record(timing);
      return { result: outcome.result, bundleId: destination.route.bundleId, instanceId: instance.instanceId };
    } catch (error) {
      this.metrics.record(timing, error instanceof EventoError ? error.code : ErrorCode.INTERNAL);
      throw error;
    }
  }
}
