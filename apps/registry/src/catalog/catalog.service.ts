import { type DiscoverRequest, type DiscoverResponse, ErrorCode, EventoError } from '@evento/contracts';
import { readPage } from '../common/page-query.dto';
import { Injectable } from '@nestjs/common';
import { InstancesService } from '../instances/instances.service';
import { RoutingService } from '../routing/routing.service';
import {
  type BundleRow,
  CatalogRepository,
  type HandlerRow,
  type PayloadRow,
  type PayloadUsageRow,
} from './catalog.repository';
import type {
  BundleDetailDto,
  BundleSummaryDto,
  ComponentDetailDto,
  ComponentPageDto,
  HandlerDto,
  HandlerPageDto,
  PayloadDetailDto,
  PayloadDto,
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
    return (await this.repository.bundles()).map(toSummary);
  }

  async bundle(bundleId: string): Promise<BundleDetailDto> {
    const [row] = await this.repository.bundles(bundleId);
    if (!row) throw new EventoError(ErrorCode.NOT_FOUND, `No bundle ${bundleId} in the catalog`);
    const [components, handlers, payloads] = await Promise.all([
      this.repository.components(bundleId),
      this.repository.handlers(bundleId),
      this.repository.payloads(bundleId),
    ]);
    return {
      ...toSummary(row),
      detail: row.detail,
      componentList: components,
      handlerList: handlers.map(toHandler),
      payloadList: payloads.map(toPayload),
    };
  }

  async payloads(
    filter: { bundleId?: string; kind?: string },
    page?: number,
    pageSize?: number,
  ): Promise<PayloadPageDto> {
    return readPage(
      (limit, offset) => this.repository.payloadPage({ ...filter, limit, offset }),
      (r) => toPayload(r),
      page,
      pageSize,
    );
  }

  async components(
    filter: { bundleId?: string; type?: string },
    page?: number,
    pageSize?: number,
  ): Promise<ComponentPageDto> {
    return readPage(
      (limit, offset) => this.repository.componentPage({ ...filter, limit, offset }),
      (r) => ({
        bundleId: r.bundle_id,
        name: r.name,
        type: r.type,
        description: r.description,
        path: r.path,
        line: r.line,
        handlers: r.handlers,
      }),
      page,
      pageSize,
    );
  }

  async component(bundleId: string, name: string): Promise<ComponentDetailDto> {
    const component = await this.repository.component(bundleId, name);
    if (!component) throw new EventoError(ErrorCode.NOT_FOUND, `Bundle ${bundleId} has no component ${name}`);
    const handlers = await this.repository.handlerPage({ bundleId, componentName: name, limit: 10_000, offset: 0 });
    return { bundleId, ...component, handlerList: handlers.map(toHandler) };
  }

  async handlers(
    filter: { bundleId?: string; componentName?: string; handlerType?: string; payload?: string },
    page?: number,
    pageSize?: number,
  ): Promise<HandlerPageDto> {
    return readPage(
      (limit, offset) => this.repository.handlerPage({ ...filter, limit, offset }),
      (r) => ({ bundleId: r.bundle_id, ...toHandler(r) }),
      page,
      pageSize,
    );
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
      declarations: declarations.map(toPayload),
      handledBy: usage.filter((u) => u.handles).map(toHandlerRef),
      returnedBy: usage.filter((u) => u.returns).map(toHandlerRef),
      invokedBy: usage.flatMap((u) => [
        ...(u.invokes_as_command ? [{ ...toHandlerRef(u), invokedAs: 'command' as const }] : []),
        ...(u.invokes_as_query ? [{ ...toHandlerRef(u), invokedAs: 'query' as const }] : []),
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

function toSummary(row: BundleRow): BundleSummaryDto {
  return {
    bundleId: row.bundle_id,
    bundleVersion: row.bundle_version,
    description: row.description,
    repositoryUrl: row.repository_url,
    linePrefix: row.line_prefix,
    discoveredAt: row.discovered_at?.toISOString() ?? null,
    updatedAt: row.updated_at.toISOString(),
    liveInstances: row.live_instances,
    present: row.live_instances > 0,
    components: row.components,
    handlers: row.handlers,
    payloads: row.payloads,
  };
}

function toPayload(row: PayloadRow): PayloadDto {
  return {
    bundleId: row.bundle_id,
    name: row.name,
    kind: row.kind,
    domain: row.domain,
    description: row.description,
    detail: row.detail,
    jsonSchema: row.json_schema,
    aggregateIdProperty: row.aggregate_id_property,
  };
}

function toHandler(h: HandlerRow): HandlerDto {
  return {
    componentName: h.component_name,
    handlerType: h.handler_type,
    payload: h.payload,
    returnType: h.return_type,
    returnsMany: h.returns_many,
    associationProperty: h.association_property,
    line: h.line,
    invokedCommands: h.invoked_commands,
    invokedQueries: h.invoked_queries,
  };
}

function toHandlerRef(row: PayloadUsageRow): PayloadHandlerRefDto {
  return {
    bundleId: row.bundle_id,
    componentName: row.component_name,
    componentType: row.component_type,
    handlerType: row.handler_type,
    payload: row.payload,
    returnType: row.return_type,
    returnsMany: row.returns_many,
    associationProperty: row.association_property,
  };
}
