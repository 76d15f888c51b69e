import { Module } from '@nestjs/common';
import { ControlModule } from '../control/control.module';
import { ConfigurationHttpController } from './configuration.http.controller';
import { ConfigurationRepository } from './configuration.repository';
import { ConfigurationService } from './configuration.service';

/** Key/value settings per bundle, delivered to its live instances. */
@Module({
  imports: [ControlModule],
  controllers: [ConfigurationHttpController],
  providers: [ConfigurationRepository, ConfigurationService],
  exports: [ConfigurationService],
})
export class ConfigurationModule {}
