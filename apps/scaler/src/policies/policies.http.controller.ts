import { Requires } from '@evento/platform';
import { Body, Controller, Delete, Get, HttpCode, Param, Put, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ParseBundleIdPipe } from './bundle-id.pipe';
import { PolicyDto, type PolicyView } from './dto/policy.dto';
import { PoliciesService } from './policies.service';

@ApiTags('policies')
@Controller('policies')
export class PoliciesHttpController {
  constructor(private readonly policies: PoliciesService) {}

  @Requires('viewer')
  @Get()
  @ApiOperation({ summary: 'Every scaling policy' })
  list(): Promise<PolicyView[]> {
    return this.policies.list();
  }

  @Requires('viewer')
  @Get(':bundleId')
  @ApiOperation({ summary: "A bundle's scaling policy (404 when it has none)" })
  get(@Param('bundleId', ParseBundleIdPipe) bundleId: string): Promise<PolicyView> {
    return this.policies.get(bundleId);
  }

  @Requires('operator')
  @Put(':bundleId')
  @ApiOperation({
    summary: "Create or replace a bundle's scaling policy (201 created, 200 replaced, 400 with the broken rules)",
  })
  async put(
    @Param('bundleId', ParseBundleIdPipe) bundleId: string,
    @Body() body: PolicyDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PolicyView> {
    const { policy, created } = await this.policies.put(bundleId, body);
    response.status(created ? 201 : 200);
    return policy;
  }

  @Requires('operator')
  @Delete(':bundleId')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove a bundle's scaling policy: the scaler stops acting on the bundle" })
  remove(@Param('bundleId', ParseBundleIdPipe) bundleId: string): Promise<void> {
    return this.policies.remove(bundleId);
  }
}
