import { Requires } from '@evento/platform';
import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseBundleIdPipe } from '../common/bundle-id.pipe';
import { ParseConfigurationKeyPipe } from './configuration-key.pipe';
import { ConfigurationService } from './configuration.service';
import {
  type BundleConfigurationDto,
  type ConfigurationChangeDto,
  SetConfigurationValueDto,
} from './dto/configuration.dto';

@ApiTags('configuration')
@Controller('bundles/:bundleId/configuration')
export class ConfigurationHttpController {
  constructor(private readonly configuration: ConfigurationService) {}

  @Requires('viewer')
  @Get()
  @ApiOperation({ summary: "A bundle's configuration (secret values masked)" })
  view(@Param('bundleId', ParseBundleIdPipe) bundleId: string): Promise<BundleConfigurationDto> {
    return this.configuration.view(bundleId);
  }

  @Requires('operator')
  @Put(':key')
  @ApiOperation({
    summary: 'Set a value; live instances get the new configuration on their control subject',
    description: 'Also for bundles not yet in the catalog: their instances get it in the welcome.',
  })
  set(
    @Param('bundleId', ParseBundleIdPipe) bundleId: string,
    @Param('key', ParseConfigurationKeyPipe) key: string,
    @Body() body: SetConfigurationValueDto,
  ): Promise<ConfigurationChangeDto> {
    return this.configuration.set(bundleId, key, body.value, body.secret);
  }

  @Requires('operator')
  @Delete(':key')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a value; live instances get the new configuration' })
  delete(
    @Param('bundleId', ParseBundleIdPipe) bundleId: string,
    @Param('key', ParseConfigurationKeyPipe) key: string,
  ): Promise<void> {
    return this.configuration.delete(bundleId, key);
  }
}
