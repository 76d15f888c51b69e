import {
  type AppendRequest,
  type AppendResponse,
  DEFAULT_CONTEXT,
  ErrorCode,
  EventoError,
  type FetchRequest,
  type FetchResponse,
  type HeadRequest,
  type HeadResponse,
  MAX_EVENT_BYTES,
  MAX_REPLY_BYTES,
  type SearchEventsRequest,
  type SearchEventsResponse,
} from '@evento/contracts';
import { LATENCY_BUCKETS, MetricsService } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import type { Histogram } from 'prom-client';
import { EventStoreConfig } from '../config/event-store.config';
import { AppendBatcher } from './append-batcher';
import { AppendedNotifier } from './appended.notifier';
import { formatCursor, parseCursor } from './cursor';
import { eventsWithinBytes } from './event-row';
import { EventsRepository } from './events.repository';

const DEFAULT_FETCH_LIMIT = 500;

/** A waiting fetch answers this long before the caller's deadline, so the reply arrives in time. */
const REPLY_MARGIN_MS = 25;

@Injectable()
export class EventsService {
  private readonly batcher: AppendBatcher;
  private readonly appendSeconds: Histogram<'outcome'>;
  private readonly fetchSeconds: Histogram<'waited' | 'outcome'>;

  constructor(
    private readonly repository: EventsRepository,
    private readonly notifier: AppendedNotifier,
    private readonly config: EventStoreConfig,
    metrics: MetricsService,
  ) {
    this.appendSeconds = metrics.histogram({
      name: 'evento_event_store_append_seconds',
      help: 'Append latency, batching and commit included, by outcome (ok, duplicate, conflict, error)',
      labelNames: ['outcome'],
      buckets: [...LATENCY_BUCKETS],
    });
    this.fetchSeconds = metrics.histogram({
      name: 'evento_event_store_fetch_seconds',
      help: 'Fetch latency by outcome (events, empty, error); waited="true" when the caller asked to wait for new events',
      labelNames: ['waited', 'outcome'],
      buckets: [...LATENCY_BUCKETS],
    });
    this.batcher = new AppendBatcher((requests) => this.repository.appendBatch(requests, this.serialized), {
      maxBatch: config.APPEND_MAX_BATCH,
      maxInFlight: config.APPEND_CONCURRENT_BATCHES,
      extraBatchMin: config.APPEND_EXTRA_BATCH_MIN,
    });
  }

  private get serialized(): boolean {
    return this.config.EVENT_STORE_MODE === 'CPES';
  }

  /**
   * `bodyBytes`: the size of the request as received, when known. A request no larger than
   * one event may be cannot hold an event over the limit, so its events are not measured.
   */
  async append(request: AppendRequest, bodyBytes?: number): Promise<AppendResponse> {
    const end = this.appendSeconds.startTimer();
    let outcome = 'error';
    try {
      const response = await this.appendTimed(request, bodyBytes);
      outcome = response.duplicate ? 'duplicate' : 'ok';
      return response;
    } catch (error) {
      if (error instanceof EventoError && error.code === ErrorCode.CONFLICT) outcome = 'conflict';
      throw error;
    } finally {
      end({ outcome });
    }
  }

  private async appendTimed(request: AppendRequest, bodyBytes = Number.POSITIVE_INFINITY): Promise<AppendResponse> {
    for (const event of bodyBytes > MAX_EVENT_BYTES ? request.events : []) {
      const bytes =
        Buffer.byteLength(JSON.stringify(event.payload)) + Buffer.byteLength(JSON.stringify(event.metadata ?? {}));
      if (bytes > MAX_EVENT_BYTES) {
        throw new EventoError(
          ErrorCode.PAYLOAD_TOO_LARGE,
          `Event ${event.eventId} is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES}`,
          {
            eventId: event.eventId,
            bytes,
            limit: MAX_EVENT_BYTES,
          },
        );
      }
    }
    const ids = new Set(request.events.map((event) => event.eventId));
    if (ids.size !== request.events.length) {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, 'Event ids must be unique within an append');
    }
    if (!request.aggregateId && request.expectedVersion !== undefined && request.expectedVersion !== 'any') {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, 'expectedVersion needs an aggregateId');
    }
    const { result, txId } = await this.batcher.append(request);
    if (result.status === 'conflict') {
      throw new EventoError(ErrorCode.CONFLICT, `Append refused: ${result.reason}`, {
        aggregateId: request.aggregateId,
        expectedVersion: request.expectedVersion ?? 'any',
        actualVersion: result.actual,
        deleted: result.deleted,
      });
    }
    const last = result.positions[result.positions.length - 1];
    const writer = result.status === 'duplicate' ? result.txId : (txId ?? '0');
    const cursor = formatCursor(this.config.EVENT_STORE_MODE, writer, last);
    if (result.status === 'ok') {
      const contexts = [...new Set(request.events.map((event) => event.context ?? DEFAULT_CONTEXT))];
      this.notifier.publish(contexts, cursor);
    }
    return { positions: result.positions, version: result.version, cursor, duplicate: result.status === 'duplicate' };
  }

  /**
   * A page of events after the cursor. With `waitMs`, an empty page waits for new events,
   * but never past the caller's deadline (`callerDeadline`, ms since the epoch): the caller
   * gets the empty page in time instead of a timeout.
   */
  async fetch(request: FetchRequest, callerDeadline?: number): Promise<FetchResponse> {
    const end = this.fetchSeconds.startTimer({ waited: String((request.waitMs ?? 0) > 0) });
    let outcome = 'error';
    try {
      const response = await this.fetchTimed(request, callerDeadline);
      outcome = response.events.length > 0 ? 'events' : 'empty';
      return response;
    } finally {
      end({ outcome });
    }
  }

  private async fetchTimed(request: FetchRequest, callerDeadline = Number.POSITIVE_INFINITY): Promise<FetchResponse> {
    const mode = this.config.EVENT_STORE_MODE;
    const after = parseCursor(request.after, mode);
    const filter = { context: request.context, eventNames: request.eventNames };
    const limit = request.limit ?? DEFAULT_FETCH_LIMIT;
    const maxBytes = request.maxBytes ?? MAX_REPLY_BYTES;
    const deadline = Math.min(Date.now() + (request.waitMs ?? 0), callerDeadline - REPLY_MARGIN_MS);
    let recheckMs = 0;
    for (;;) {
      const events = eventsWithinBytes(await this.repository.read(after, filter, limit, mode), maxBytes);
      const remaining = deadline - Date.now();
      // Shutting down: answer with what there is rather than hold the shutdown.
      if (events.length > 0 || remaining <= 0 || this.notifier.closing) {
        return { events, cursor: events.length > 0 ? events[events.length - 1].cursor : (request.after ?? '') };
      }
      if (recheckMs > 0) {
        // Told of a commit we cannot read yet (APES: an older transaction is still open):
        // look again soon, backing off, rather than waiting for the next notification.
        await new Promise((resolve) => setTimeout(resolve, Math.min(recheckMs, remaining)));
        recheckMs = recheckMs * 2 > this.config.FETCH_POLL_MS ? 0 : recheckMs * 2;
        continue;
      }
      // Woken by a commit notification; the poll interval covers a lost notification.
      const appended = await this.notifier.waitForAppend(
        request.context,
        Math.min(remaining, this.config.FETCH_POLL_MS),
      );
      if (appended) recheckMs = 2;
    }
  }

  async head(request: HeadRequest): Promise<HeadResponse> {
    const mode = this.config.EVENT_STORE_MODE;
    const head = await this.repository.head({ context: request.context }, mode);
    return head ?? { cursor: '', position: '0' };
  }

  async search(request: SearchEventsRequest): Promise<SearchEventsResponse> {
    const page = request.page ?? 1;
    const pageSize = request.pageSize ?? 50;
    const { rows, total } = await this.repository.search(
      request,
      (page - 1) * pageSize,
      pageSize,
      request.order ?? 'asc',
      this.config.EVENT_STORE_MODE,
    );
    const items = eventsWithinBytes(rows, MAX_REPLY_BYTES);
    return { items, page, pageSize, total, truncated: items.length < rows.length };
  }
}
