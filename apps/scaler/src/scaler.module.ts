import { Module } from '@nestjs/common';
import { KubernetesActuator } from './actuators/kubernetes.actuator';
import { ScriptActuator } from './actuators/script.actuator';
import { Autoscaler } from './decisions/autoscaler';
import { DecisionsHttpController } from './decisions/decisions.http.controller';
import { DecisionsRepository } from './decisions/decisions.repository';
import { LeaderElection } from './leader/leader-election';
import { ClusterClient } from './observation/cluster.client';
import { TelemetryClient } from './observation/telemetry.client';
import { PoliciesHttpController } from './policies/policies.http.controller';
import { PoliciesRepository } from './policies/policies.repository';
import { PoliciesService } from './policies/policies.service';
import { SignalsIngest } from './signals/signals.ingest';
import { SignalsMessageController } from './signals/signals.message.controller';
import { SignalsRepository } from './signals/signals.repository';

/** Policies, signals, the active scaler's decisions and the actuators. */
@Module({
  controllers: [PoliciesHttpController, DecisionsHttpController, SignalsMessageController],
  providers: [
    Autoscaler,
    ClusterClient,
    DecisionsRepository,
    KubernetesActuator,
    LeaderElection,
    PoliciesRepository,
    PoliciesService,
    ScriptActuator,
    SignalsIngest,
    SignalsRepository,
    TelemetryClient,
  ],
})
export class ScalerModule {}
