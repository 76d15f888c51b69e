import { Module } from '@nestjs/common';
import { RoutingModule } from '../routing/routing.module';
import { OwnershipHttpController } from './ownership.http.controller';
import { OwnershipRepository } from './ownership.repository';
import { OwnershipService } from './ownership.service';

/** Who owns each command, query and produced event, and the transfers operators approve. */
@Module({
  imports: [RoutingModule],
  controllers: [OwnershipHttpController],
  providers: [OwnershipRepository, OwnershipService],
  exports: [OwnershipRepository, OwnershipService],
})
export class OwnershipModule {}
