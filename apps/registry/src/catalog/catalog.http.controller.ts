import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseBundleIdPipe } from './bundle-id.pipe';
import { CatalogService } from './catalog.service';
import { ParsePayloadNamePipe } from './payload-name.pipe';
import {
  type BundleDetailDto,
  type BundleSummaryDto,
  type PayloadDetailDto,
  type PayloadDto,
  PayloadsQueryDto,
} from './dto/catalog.dto';

@ApiTags('catalog')
@ApiBearerAuth()
@Controller()
export class CatalogHttpController {
  constructor(private readonly catalog: CatalogService) {}

  @Get('bundles')
  @ApiOperation({ summary: 'Every bundle in the catalog, present or expected but absent' })
  bundles(): Promise<BundleSummaryDto[]> {
    return this.catalog.bundles();
  }

  @Get('bundles/:bundleId')
  @ApiOperation({ summary: 'A bundle with its components, handlers and payloads' })
  bundle(@Param('bundleId', ParseBundleIdPipe) bundleId: string): Promise<BundleDetailDto> {
    return this.catalog.bundle(bundleId);
  }

  @Delete('bundles/:bundleId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a bundle that left (409 while an instance of it is live)' })
  remove(@Param('bundleId', ParseBundleIdPipe) bundleId: string): Promise<void> {
    return this.catalog.remove(bundleId);
  }

  @Get('payloads')
  @ApiOperation({ summary: 'Every payload with its kind, domain and JSON Schema' })
  payloads(@Query() query: PayloadsQueryDto): Promise<PayloadDto[]> {
    return this.catalog.payloads(query.bundleId);
  }

  @Get('payloads/:name')
  @ApiOperation({
    summary: 'A payload: its declarations (kind, JSON Schema), the handlers that handle, return and invoke it',
  })
  payload(@Param('name', ParsePayloadNamePipe) name: string): Promise<PayloadDetailDto> {
    return this.catalog.payload(name);
  }
}
