import {
  HeartbeatRequest,
  type HeartbeatResponse,
  HelloRequest,
  type InstanceStatusResponse,
  ListInstancesRequest,
  type ListInstancesResponse,
  RegistryContracts,
  RoutingChanged,
  SessionRequest,
  type WelcomeResponse,
} from '@evento/contracts';
import { Serve } from '@evento/platform';
import { Controller } from '@nestjs/common';
import { ClusterStream } from './cluster.stream';
import { InstancesService } from './instances.service';

@Controller()
export class InstancesMessageController {
  constructor(
    private readonly instances: InstancesService,
    private readonly cluster: ClusterStream,
  ) {}

  /** Every replica hears every change (fan-out), for the cluster streams it serves. */
  @Serve(RegistryContracts.routingChanged, { fanOut: true })
  routingChanged(notice: RoutingChanged): void {
    this.cluster.noticed(notice);
  }

  @Serve(RegistryContracts.hello)
  hello(request: HelloRequest): Promise<WelcomeResponse> {
    return this.instances.hello(request);
  }

  @Serve(RegistryContracts.heartbeat)
  heartbeat(request: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.instances.heartbeat(request);
  }

  @Serve(RegistryContracts.enable)
  enable(request: SessionRequest): Promise<InstanceStatusResponse> {
    return this.instances.enable(request);
  }

  @Serve(RegistryContracts.disable)
  disable(request: SessionRequest): Promise<InstanceStatusResponse> {
    return this.instances.disable(request);
  }

  @Serve(RegistryContracts.goodbye)
  goodbye(request: SessionRequest): Promise<InstanceStatusResponse> {
    return this.instances.goodbye(request);
  }

  @Serve(RegistryContracts.listInstances)
  list(request: ListInstancesRequest): Promise<ListInstancesResponse> {
    return this.instances.listInstances(request);
  }
}
