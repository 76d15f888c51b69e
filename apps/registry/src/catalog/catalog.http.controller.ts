import { Requires } from '@evento/platform';
import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParseBundleIdPipe } from '../common/bundle-id.pipe';
import { CatalogService } from './catalog.service';
import { ParsePayloadNamePipe } from './payload-name.pipe';
import {
  type BundleDetailDto,
  type BundleSummaryDto,
  type ComponentDetailDto,
  type ComponentPageDto,
  ComponentsQueryDto,
  type HandlerPageDto,
  HandlersQueryDto,
  type PayloadDetailDto,
  type PayloadPageDto,
  PayloadsQueryDto,
} from './dto/catalog.dto';

@ApiTags('catalog')
@Controller()
export class CatalogHttpController {
  constructor(private readonly catalog: CatalogService) {}

  @Requires('viewer')
  @Get('bundles')
  @ApiOperation({ summary: 'Every bundle in the catalog, present or expected but absent' })
  bundles(): Promise<BundleSummaryDto[]> {
    return this.catalog.bundles();
  }

  @Requires('viewer')
  @Get('bundles/:bundleId')
  @ApiOperation({ summary: 'A bundle with its components, handlers and payloads' })
  bundle(@Param('bundleId', ParseBundleIdPipe) bundleId: string): Promise<BundleDetailDto> {
    return this.catalog.bundle(bundleId);
  }

  @Requires('admin')
  @Delete('bundles/:bundleId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a bundle that left (409 while an instance of it is live)' })
  remove(@Param('bundleId', ParseBundleIdPipe) bundleId: string): Promise<void> {
    return this.catalog.remove(bundleId);
  }

  @Requires('viewer')
  @Get('payloads')
  @ApiOperation({ summary: 'Every payload with its kind, domain and JSON Schema' })
  payloads(@Query() query: PayloadsQueryDto): Promise<PayloadPageDto> {
    return this.catalog.payloads({ bundleId: query.bundleId, kind: query.kind }, query.page, query.pageSize);
  }

  @Requires('viewer')
  @Get('payloads/:name')
  @ApiOperation({
    summary: 'A payload: its declarations (kind, JSON Schema), the handlers that handle, return and invoke it',
  })
  payload(@Param('name', ParsePayloadNamePipe) name: string): Promise<PayloadDetailDto> {
    return this.catalog.payload(name);
  }

  @Requires('viewer')
  @Get('components')
  @ApiOperation({ summary: 'Components of every bundle, by bundle and type (paged)' })
  components(@Query() query: ComponentsQueryDto): Promise<ComponentPageDto> {
    return this.catalog.components({ bundleId: query.bundleId, type: query.type }, query.page, query.pageSize);
  }

  @Requires('viewer')
  @Get('components/:bundleId/:name')
  @ApiOperation({ summary: 'A component with its handlers' })
  component(
    @Param('bundleId', ParseBundleIdPipe) bundleId: string,
    @Param('name', ParsePayloadNamePipe) name: string,
  ): Promise<ComponentDetailDto> {
    return this.catalog.component(bundleId, name);
  }

  @Requires('viewer')
  @Get('handlers')
  @ApiOperation({ summary: 'Handlers of every bundle, by bundle, component, handler type and payload (paged)' })
  handlers(@Query() query: HandlersQueryDto): Promise<HandlerPageDto> {
    const { page, pageSize, ...filter } = query;
    return this.catalog.handlers(filter, page, pageSize);
  }
}
