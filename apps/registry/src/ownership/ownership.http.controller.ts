import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParsePayloadNamePipe } from '../catalog/payload-name.pipe';
import { PageQueryDto } from '../common/page-query.dto';
import { CreatePayloadTransferDto, type PayloadTransferDto, type PayloadTransferPageDto } from './dto/ownership.dto';
import { OwnershipService } from './ownership.service';

@ApiTags('catalog')
@ApiBearerAuth()
@Controller('payloads/:name/transfers')
export class OwnershipHttpController {
  constructor(private readonly ownership: OwnershipService) {}

  // TODO(operator identities): take the approver from the authenticated operator, not the body,
  // and allow this to admins only, once the registry knows operators and their roles.
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Give a payload to another bundle (operators): its descriptor is then accepted and it takes the routes',
    description:
      'The payload must have an owner (404 otherwise) and `to` must be in the catalog (404); transferring to the ' +
      'current owner is 409. The transfer is recorded with who approved it, when, from whom and why. The payload ' +
      'routes to the new owner at once: its instances get it as soon as its descriptor declares the handler.',
  })
  transfer(
    @Param('name', ParsePayloadNamePipe) name: string,
    @Body() body: CreatePayloadTransferDto,
  ): Promise<PayloadTransferDto> {
    return this.ownership.transfer(name, body);
  }

  @Get()
  @ApiOperation({ summary: "A payload's ownership transfers, newest first (paged)" })
  transfers(
    @Param('name', ParsePayloadNamePipe) name: string,
    @Query() query: PageQueryDto,
  ): Promise<PayloadTransferPageDto> {
    return this.ownership.transfers(name, query.page, query.pageSize);
  }
}
