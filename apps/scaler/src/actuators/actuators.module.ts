import { Module } from '@nestjs/common';
import { KubernetesActuator } from './kubernetes.actuator';
import { ScriptActuator } from './script.actuator';

/** How instances are started and stopped: a Kubernetes deployment's replicas, or a deploy script. */
@Module({
  providers: [KubernetesActuator, ScriptActuator],
  exports: [KubernetesActuator, ScriptActuator],
})
export class ActuatorsModule {}
