import { Module } from '@nestjs/common';
import { LeaderElection } from './leader-election';

/** Which scaler replica is the active one: the holder of a session-level advisory lock, on its own connection. */
@Module({
  providers: [LeaderElection],
  exports: [LeaderElection],
})
export class LeaderModule {}
