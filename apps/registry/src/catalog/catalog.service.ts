import {
  DescriptorLimits,
  type DiscoverRequest,
  type DiscoverResponse,
  ErrorCode,
  EventoError,
} from '@evento/contracts';
import { readPage } from '../common/page-query.dto';
import { Injectable, Logger } from '@nestjs/common';
import { InstancesService } from '../instances/instances.service';
import type { OwnedElsewhere } from '../ownership/ownership.repository';
import { OwnershipService } from '../ownership/ownership.service';
import { payloadClaims } from '../ownership/payload-claims';
import { RoutingService } from '../routing/routing.service';
import { CatalogRepository, type PayloadUsageRow } from './catalog.repository';
import type {
  BundleDetailDto,
  BundleSummaryDto,
  ComponentDetailDto,
  ComponentPageDto,
  HandlerPageDto,
  PayloadDetailDto,
  PayloadHandlerRefDto,
  PayloadPageDto,
} from './dto/catalog.dto';
import { checkDescriptor } from './descriptor-checks';

/** Transfers the payload page shows; `GET /payloads/{name}/transfers` pages through all. */
const RECENT_TRANSFERS = 20;
/** Payloads a refusal's message (or a log line) names; `details` lists them all (up to the next bound). */
const REFUSAL_MESSAGE_PAYLOADS = 5;
/**
 * Refused payloads `details` lists: as many as a descriptor may declare, and few enough (names
 * of 200 characters, bundle ids of 100) for the reply to stay well under the 1 MiB NATS limit.
 */
const REFUSAL_DETAIL_PAYLOADS = DescriptorLimits.payloads;

/** The catalog: what each bundle last reported, kept after its instances leave. */
@Injectable()
export class CatalogService {
  private readonly logger = new Logger(CatalogService.name);

  constructor(
    private readonly repository: CatalogRepository,
    private readonly instances: InstancesService,
    private readonly routing: RoutingService,
    private readonly ownership: OwnershipService,
  ) {}

  async discover(request: DiscoverRequest): Promise<DiscoverResponse> {
    const session = await this.instances.requireLiveSession(request);
    // Everything is checked before anything is written: a bad descriptor changes nothing.
    const problems = checkDescriptor(request.descriptor);
    if (problems.length > 0) {
      const summary = problems
        .flatMap((p) => Object.values(p.constraints))
        .slice(0, 5)
        .join('; ');
      throw new EventoError(ErrorCode.VALIDATION_FAILED, `Invalid descriptor: ${summary}`, problems);
    }
    const claims = payloadClaims(request.descriptor).map((claim) => claim.payload);
    const outcome = await this.repository.replace(session.bundleId, session.bundleVersion, request.descriptor, claims);
    if ('refused' in outcome) throw this.refusal(session.bundleId, session.instanceId, outcome.refused);
    await this.routing.changed('discovered', session.bundleId, session.instanceId);
    return { bundleId: session.bundleId, bundleVersion: session.bundleVersion, ...outcome };
  }

  /**
   * A descriptor that declares a handler (or producer) of another bundle's payload is refused
   * whole: with valid credentials of its own, a bundle must not take another's commands, queries
   * or events (and with a command, the aggregate's story). Only an operator's transfer moves one.
   */
  private refusal(bundleId: string, instanceId: string, refused: OwnedElsewhere[]): EventoError {
    const named = refused
      .slice(0, REFUSAL_MESSAGE_PAYLOADS)
      .map((entry) => `${entry.payload} (owned by ${entry.owner})`)
      .join(', ');
    const more =
      refused.length > REFUSAL_MESSAGE_PAYLOADS ? ` and ${refused.length - REFUSAL_MESSAGE_PAYLOADS} more` : '';
    this.logger.warn(
      `Refused the descriptor of bundle ${bundleId} (instance ${instanceId}): it declares handlers of ` +
        `${refused.length} payload(s) other bundles own: ${named}${more}`,
    );
    return new EventoError(
      ErrorCode.FORBIDDEN,
      `Bundle ${bundleId} may not handle ${named}${more}: another bundle owns ${refused.length === 1 ? 'it' : 'them'}. ` +
        'Remove the handler, or have an operator transfer the payload (POST /payloads/{name}/transfers on the registry)',
      {
        reason: 'payload-owned',
        payloads: refused.slice(0, REFUSAL_DETAIL_PAYLOADS),
        ...(refused.length > REFUSAL_DETAIL_PAYLOADS ? { truncated: true, total: refused.length } : {}),
      },
    );
  }

  async bundles(): Promise<BundleSummaryDto[]> {
    return this.repository.bundles();
  }

  async bundle(bundleId: string): Promise<BundleDetailDto> {
    const bundle = await this.repository.bundle(bundleId);
    if (!bundle) throw new EventoError(ErrorCode.NOT_FOUND, `No bundle ${bundleId} in the catalog`);
    const [componentList, handlerList, payloadList] = await Promise.all([
      this.repository.components(bundleId),
      this.repository.handlers(bundleId),
      this.repository.payloads(bundleId),
    ]);
    return { ...bundle, componentList, handlerList, payloadList };
  }

  async payloads(
    filter: { bundleId?: string; kind?: string },
    page?: number,
    pageSize?: number,
  ): Promise<PayloadPageDto> {
    return readPage((limit, offset) => this.repository.payloadPage({ ...filter, limit, offset }), page, pageSize);
  }

  async components(
    filter: { bundleId?: string; type?: string },
    page?: number,
    pageSize?: number,
  ): Promise<ComponentPageDto> {
    return readPage((limit, offset) => this.repository.componentPage({ ...filter, limit, offset }), page, pageSize);
  }

  async component(bundleId: string, name: string): Promise<ComponentDetailDto> {
    const component = await this.repository.component(bundleId, name);
    if (!component) throw new EventoError(ErrorCode.NOT_FOUND, `Bundle ${bundleId} has no component ${name}`);
    const handlerList = await this.repository.handlers(bundleId, name);
    return { bundleId, ...component, handlerList };
  }

  async handlers(
    filter: { bundleId?: string; componentName?: string; handlerType?: string; payload?: string },
    page?: number,
    pageSize?: number,
  ): Promise<HandlerPageDto> {
    return readPage((limit, offset) => this.repository.handlerPage({ ...filter, limit, offset }), page, pageSize);
  }

  /** A payload: who declares it (kind, schema), who handles it, who returns it, who invokes it. */
  async payload(name: string): Promise<PayloadDetailDto> {
    const [declarations, usage, owner, transfers] = await Promise.all([
      this.repository.payloadDeclarations(name),
      this.repository.payloadUsage(name),
      this.ownership.owner(name),
      this.ownership.transfers(name, 1, RECENT_TRANSFERS),
    ]);
    if (declarations.length === 0 && usage.length === 0 && owner === null && transfers.total === 0) {
      throw new EventoError(ErrorCode.NOT_FOUND, `No bundle declares, handles or invokes payload ${name}`);
    }
    return {
      name,
      owner,
      recentTransfers: transfers.items,
      transfers: transfers.total,
      declarations,
      handledBy: usage.filter((u) => u.handles).map(toHandlerRef),
      returnedBy: usage.filter((u) => u.returns).map(toHandlerRef),
      invokedBy: usage.flatMap((u) => [
        ...(u.invokesAsCommand ? [{ ...toHandlerRef(u), invokedAs: 'command' as const }] : []),
        ...(u.invokesAsQuery ? [{ ...toHandlerRef(u), invokedAs: 'query' as const }] : []),
      ]),
    };
  }

  /**
   * An operator removes a bundle that is expected but absent; a bundle with live instances stays.
   * The payloads it owned are released (each to the next bundle that still declares a handler of it,
   * if any).
   */
  async remove(bundleId: string): Promise<void> {
    const outcome = await this.repository.remove(bundleId);
    if (outcome === 'absent') throw new EventoError(ErrorCode.NOT_FOUND, `No bundle ${bundleId} in the catalog`);
    if ('live' in outcome) {
      throw new EventoError(ErrorCode.CONFLICT, `Bundle ${bundleId} has ${outcome.live} live instance(s)`, {
        liveInstances: outcome.live,
      });
    }
    if (outcome.released.length > 0) {
      const passed = outcome.released
        .slice(0, REFUSAL_MESSAGE_PAYLOADS)
        .map((entry) => `${entry.payload} → ${entry.owner ?? '(no owner)'}`);
      const more = outcome.released.length - passed.length;
      this.logger.log(
        `Bundle ${bundleId} removed; it released ${outcome.released.length} payload(s): ${passed.join(', ')}` +
          (more > 0 ? ` and ${more} more` : ''),
      );
    }
    await this.routing.changed('removed', bundleId);
  }
}

/** The handler of a usage row, without the flags that say how it uses the payload. */
function toHandlerRef(usage: PayloadUsageRow): PayloadHandlerRefDto {
  const { handles: _handles, returns: _returns, invokesAsCommand: _command, invokesAsQuery: _query, ...ref } = usage;
  return ref;
}
