import {
  DEFAULT_CONTEXT,
  ErrorCode,
  EventoError,
  EventStoreContracts,
  type PublishEventRequest,
  type PublishResult,
} from '@evento/contracts';
import { EventoClient } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { GatewayMetrics, RequestTiming } from '../metrics/gateway-metrics.service';
import { PayloadChecks } from '../requests/payload-checks';
import { eventIdFor, type RequestContext } from '../requests/request-context';

/**
 * Publish/subscribe: an event on a topic (context + event name) stored as a service event;
 * every consumer reading that event name gets it through the event store.
 */
@Injectable()
export class PublishService {
  constructor(
    private readonly client: EventoClient,
    private readonly checks: PayloadChecks,
    private readonly metrics: GatewayMetrics,
  ) {}

  async publish(request: PublishEventRequest, context: RequestContext): Promise<PublishResult> {
    const timing = new RequestTiming('publish', request.eventName);
    try {
      await this.checks.check(request.eventName, request.payload, context);
      const event = {
        eventId: request.eventId ?? eventIdFor(context.requestId),
        eventName: request.eventName,
        context: request.context ?? DEFAULT_CONTEXT,
        payload: request.payload,
        metadata: {
          ...request.metadata,
          evento: {
            requestId: context.requestId,
            correlationId: context.correlationId,
            ...(request.source ? { source: request.source } : {}),
          },
        },
      };
      timing.events.push(request.eventName);
      const appended = await timing.time('appendMs', () =>
        this.client.request(
          EventStoreContracts.append,
          { events: [event] },
          context.downstream('before the event was stored'),
        ),
      );
      this.metrics.record(timing);
      return {
        event: {
          ...event,
          position: appended.positions[0],
          cursor: appended.cursor,
          aggregateId: null,
          aggregateVersion: null,
          createdAt: new Date().toISOString(),
          deletedAt: null,
        },
        duplicate: appended.duplicate,
      };
    } catch (error) {
      this.metrics.record(timing, error instanceof EventoError ? error.code : ErrorCode.INTERNAL);
      throw error;
    }
  }
}
