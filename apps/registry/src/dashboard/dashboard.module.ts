import { Module } from '@nestjs/common';
import { ConsumersModule } from '../consumers/consumers.module';
import { DashboardHttpController } from './dashboard.http.controller';
import { DashboardRepository } from './dashboard.repository';
import { DashboardService } from './dashboard.service';

/** Counts over the catalog, the live view and the consumers, for the operator's dashboard. */
@Module({
  imports: [ConsumersModule],
  controllers: [DashboardHttpController],
  providers: [DashboardRepository, DashboardService],
})
export class DashboardModule {}
