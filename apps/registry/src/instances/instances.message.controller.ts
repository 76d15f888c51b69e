import {
  HeartbeatRequest,
  type HeartbeatResponse,
  HelloRequest,
  type InstanceStatusResponse,
  ListInstancesRequest,
  type ListInstancesResponse,
  RegistryContracts,
  SessionRequest,
  type WelcomeResponse,
} from '@evento/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { InstancesService } from './instances.service';

@Controller()
export class InstancesMessageController {
  constructor(private readonly instances: InstancesService) {}

  @MessagePattern(RegistryContracts.hello.subject)
  hello(@Payload() request: HelloRequest): Promise<WelcomeResponse> {
    return this.instances.hello(request);
  }

  @MessagePattern(RegistryContracts.heartbeat.subject)
  heartbeat(@Payload() request: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.instances.heartbeat(request);
  }

  @MessagePattern(RegistryContracts.enable.subject)
  enable(@Payload() request: SessionRequest): Promise<InstanceStatusResponse> {
    return this.instances.enable(request);
  }

  @MessagePattern(RegistryContracts.disable.subject)
  disable(@Payload() request: SessionRequest): Promise<InstanceStatusResponse> {
    return this.instances.disable(request);
  }

  @MessagePattern(RegistryContracts.goodbye.subject)
  goodbye(@Payload() request: SessionRequest): Promise<InstanceStatusResponse> {
    return this.instances.goodbye(request);
  }

  @MessagePattern(RegistryContracts.listInstances.subject)
  list(@Payload() request: ListInstancesRequest): Promise<ListInstancesResponse> {
    return this.instances.listInstances(request);
  }
}
