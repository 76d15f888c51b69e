import { Module } from '@nestjs/common';
import { PoliciesHttpController } from './policies.http.controller';
import { PoliciesRepository } from './policies.repository';
import { PoliciesService } from './policies.service';

/** Scaling policies per bundle, as operators set them. */
@Module({
  controllers: [PoliciesHttpController],
  providers: [PoliciesRepository, PoliciesService],
  exports: [PoliciesRepository],
})
export class PoliciesModule {}
