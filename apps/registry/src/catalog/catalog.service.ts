import { type DiscoverRequest, type DiscoverResponse, ErrorCode, EventoError } from '@evento/contracts';
import { readPage } from '../common/page-query.dto';
import { Injectable } from '@nestjs/common';
import { InstancesService } from '../instances/instances.service';
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

/** The catalog: what each bundle last reported, kept after its instances leave. */
@Injectable()
export class CatalogService {
  constructor(
    private readonly repository: CatalogRepository,
    private readonly instances: InstancesService,
    private readonly routing: RoutingService,
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
    const counts = await this.repository.replace(session.bundleId, session.bundleVersion, request.descriptor);
    await this.routing.changed('discovered', session.bundleId, session.instanceId);
    return { bundleId: session.bundleId, bundleVersion: session.bundleVersion, ...counts };
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
    const [declarations, usage] = await Promise.all([
      this.repository.payloadDeclarations(name),
      this.repository.payloadUsage(name),
    ]);
    if (declarations.length === 0 && usage.length === 0) {
      throw new EventoError(ErrorCode.NOT_FOUND, `No bundle declares, handles or invokes payload ${name}`);
    }
    return {
      name,
      declarations,
      handledBy: usage.filter((u) => u.handles).map(toHandlerRef),
      returnedBy: usage.filter((u) => u.returns).map(toHandlerRef),
      invokedBy: usage.flatMap((u) => [
        ...(u.invokesAsCommand ? [{ ...toHandlerRef(u), invokedAs: 'command' as const }] : []),
        ...(u.invokesAsQuery ? [{ ...toHandlerRef(u), invokedAs: 'query' as const }] : []),
      ]),
    };
  }

  /** An operator removes a bundle that is expected but absent; a bundle with live instances stays. */
  async remove(bundleId: string): Promise<void> {
    const outcome = await this.repository.remove(bundleId);
    if (outcome === 'absent') throw new EventoError(ErrorCode.NOT_FOUND, `No bundle ${bundleId} in the catalog`);
    if (outcome !== 'removed') {
      throw new EventoError(ErrorCode.CONFLICT, `Bundle ${bundleId} has ${outcome.live} live instance(s)`, {
        liveInstances: outcome.live,
      });
    }
    await this.routing.changed('removed', bundleId);
  }
}

/** The handler of a usage row, without the flags that say how it uses the payload. */
function toHandlerRef(usage: PayloadUsageRow): PayloadHandlerRefDto {
  const { handles: _handles, returns: _returns, invokesAsCommand: _command, invokesAsQuery: _query, ...ref } = usage;
  return ref;
}
