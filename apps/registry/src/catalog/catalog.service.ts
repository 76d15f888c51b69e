import { type DiscoverRequest, type DiscoverResponse, ErrorCode, EventoError } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { InstancesService } from '../instances/instances.service';
import { RoutingService } from '../routing/routing.service';
import { CatalogRepository } from './catalog.repository';
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
    this.routing.changed('discovered', session.bundleId, session.instanceId);
    return { bundleId: session.bundleId, bundleVersion: session.bundleVersion, ...counts };
  }
}
