import { Module } from '@nestjs/common';
import { ActuatorsModule } from '../actuators/actuators.module';
import { LeaderModule } from '../leader/leader.module';
import { ObservationModule } from '../observation/observation.module';
import { PoliciesModule } from '../policies/policies.module';
import { SignalsModule } from '../signals/signals.module';
import { Autoscaler } from './autoscaler';
import { DecisionsHttpController } from './decisions.http.controller';
import { DecisionsRepository } from './decisions.repository';

/** The active scaler's loop: observe, decide, act, and the log of its decisions. */
@Module({
  imports: [LeaderModule, PoliciesModule, SignalsModule, ObservationModule, ActuatorsModule],
  controllers: [DecisionsHttpController],
  providers: [Autoscaler, DecisionsRepository],
})
export class DecisionsModule {}
