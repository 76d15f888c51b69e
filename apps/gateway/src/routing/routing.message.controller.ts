import { RegistryContracts, RoutingChanged } from '@evento/contracts';
import { Serve } from '@evento/platform';
import { Controller } from '@nestjs/common';
import { RoutingTableService } from './routing-table.service';

@Controller()
export class RoutingMessageController {
  constructor(private readonly table: RoutingTableService) {}

  /** Every gateway hears every change (fan-out), so each keeps its own copy of the table current. */
  @Serve(RegistryContracts.routingChanged, { fanOut: true })
  changed(notice: RoutingChanged): void {
    this.table.noticed(notice);
  }
}
