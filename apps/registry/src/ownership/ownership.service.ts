import { ErrorCode, EventoError } from '@evento/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { readPage } from '../common/page-query.dto';
import { RoutingService } from '../routing/routing.service';
import type {
  CreatePayloadTransferDto,
  PayloadOwnerDto,
  PayloadTransferDto,
  PayloadTransferPageDto,
} from './dto/ownership.dto';
import { OwnershipRepository } from './ownership.repository';

/**
 * Who owns each payload, and the transfers operators approve. A payload is taken by the first
 * bundle whose accepted descriptor declares a handler (or producer) of it (`CatalogService`); only
 * an operator's transfer or the owner's removal from the catalog gives it to another.
 */
@Injectable()
export class OwnershipService {
  private readonly logger = new Logger(OwnershipService.name);

  constructor(
    private readonly repository: OwnershipRepository,
    private readonly routing: RoutingService,
  ) {}

  async owner(payload: string): Promise<PayloadOwnerDto | null> {
    return (await this.repository.owner(payload)) ?? null;
  }

  /** `approvedBy`: the authenticated operator's name. */
  async transfer(payload: string, request: CreatePayloadTransferDto, approvedBy: string): Promise<PayloadTransferDto> {
    const outcome = await this.repository.transfer(payload, request.to, request.reason, approvedBy);
    switch (outcome.kind) {
      case 'unknown-bundle':
        throw new EventoError(
          ErrorCode.NOT_FOUND,
          `No bundle ${request.to} in the catalog: a bundle takes a payload only once it said hello`,
        );
      case 'no-owner':
        throw new EventoError(
          ErrorCode.NOT_FOUND,
          `Payload ${payload} has no owner: the first bundle that declares a handler of it takes it, no transfer needed`,
        );
      case 'already-owner':
        throw new EventoError(ErrorCode.CONFLICT, `Bundle ${request.to} already owns ${payload}`, {
          owner: request.to,
        });
      case 'transferred': {
        const { transfer } = outcome;
        this.logger.log(
          `Payload ${payload} transferred from ${transfer.from ?? '(none)'} to ${transfer.to}, approved by ` +
            `${JSON.stringify(transfer.approvedBy)} (transfer ${transfer.transferId})`,
        );
        await this.routing.changed('transferred', transfer.to);
        return transfer;
      }
    }
  }

  async transfers(payload: string, page?: number, pageSize?: number): Promise<PayloadTransferPageDto> {
    return readPage((limit, offset) => this.repository.transfers(payload, limit, offset), page, pageSize);
  }
}
