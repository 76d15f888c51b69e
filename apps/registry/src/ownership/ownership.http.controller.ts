import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CurrentOperator, type OperatorPrincipal, Requires } from '@evento/platform';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParsePayloadNamePipe } from '../catalog/payload-name.pipe';
import { PageQueryDto } from '../common/page-query.dto';
import { CreatePayloadTransferDto, type PayloadTransferDto, type PayloadTransferPageDto } from './dto/ownership.dto';
import { OwnershipService } from './ownership.service';

@ApiTags('catalog')
@Controller('payloads/:name/transfers')
export class OwnershipHttpController {
  constructor(private readonly ownership: OwnershipService) {}

  @Post()
  @Requires('admin')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Give a payload to another bundle (operators): its descriptor is then accepted and it takes the routes',
    description:
      'The payload must have an owner (404 otherwise) and `to` must be in the catalog (404); transferring to the ' +
      'current owner is 409. The transfer is recorded with who approved it, when, from whom and why. The payload ' +
      'routes to the new owner at once: its instances get it as soon as its descriptor declares the handler. ' +
      'The approver recorded is the operator whose credentials sent the request.',
  })
  transfer(
    @Param('name', ParsePayloadNamePipe) name: string,
    @Body() body: CreatePayloadTransferDto,
    @CurrentOperator() operator: OperatorPrincipal,
  ): Promise<PayloadTransferDto> {
    return this.ownership.transfer(name, body, operator.name);
  }

  @Get()
  @Requires('viewer')
  @ApiOperation({ summary: "A payload's ownership transfers, newest first (paged)" })
  transfers(
    @Param('name', ParsePayloadNamePipe) name: string,
    @Query() query: PageQueryDto,
  ): Promise<PayloadTransferPageDto> {
    return this.ownership.transfers(name, query.page, query.pageSize);
  }
}
