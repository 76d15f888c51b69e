import type { RoutedInstance } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { InstanceDispatcher } from './instance-dispatcher.service';
import { rendezvousPick } from './rendezvous';

/** How the gateway chooses among the available instances of a bundle. */
@Injectable()
export class InstanceSelector {
  private turn = 0;

  constructor(private readonly dispatcher: InstanceDispatcher) {}

  /** The same key goes to the same instance while membership is stable (aggregate affinity). */
  sticky(key: string, instances: RoutedInstance[]): RoutedInstance {
    return rendezvousPick(key, instances, (instance) => instance.instanceId)!;
  }

  /** The instance with the fewest requests in flight from this gateway; ties go round-robin. */
  balanced(instances: RoutedInstance[]): RoutedInstance {
    this.turn = (this.turn + 1) % Number.MAX_SAFE_INTEGER;
    let best = instances[this.turn % instances.length];
    let least = this.dispatcher.outstandingOn(best.instanceId);
    for (let i = 1; i < instances.length && least > 0; i += 1) {
      const candidate = instances[(this.turn + i) % instances.length];
      const outstanding = this.dispatcher.outstandingOn(candidate.instanceId);
      if (outstanding < least) {
        best = candidate;
        least = outstanding;
      }
    }
    return best;
  }
}
