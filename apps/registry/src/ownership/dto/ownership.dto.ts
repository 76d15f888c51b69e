import { BUNDLE_ID_PATTERN } from '@evento/contracts';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** Longest reason an operator may give for a transfer. */
export const TRANSFER_REASON_MAX = 2000;

/** An operator's approval to give a payload to another bundle. */
export class CreatePayloadTransferDto {
  /** The bundle that takes the payload; it must be in the catalog (it said hello at least once). */
  @Matches(BUNDLE_ID_PATTERN, { message: 'to must be a bundle id: 1-100 of A-Z a-z 0-9 _ -' })
  to: string;

  /** Why: kept with the transfer for whoever reads the catalog later. */
  @IsString()
  @MinLength(1)
  @MaxLength(TRANSFER_REASON_MAX)
  reason: string;
}

/** One approved change of a payload's owner. */
export class PayloadTransferDto {
  /** Increases with every transfer of any payload. */
  transferId: string;
  payload: string;
  /** The owner before the transfer. */
  from: string | null;
  to: string;
  reason: string;
  /** The operator whose credentials approved it (a static token's name or the OIDC subject's). */
  approvedBy: string;
  approvedAt: string;
}

export class PayloadTransferPageDto {
  /** Newest first. */
  items: PayloadTransferDto[];
  page: number;
  pageSize: number;
  total: number;
}

/** The one bundle that owns a payload: the gateway routes it there, and only there. */
export class PayloadOwnerDto {
  bundleId: string;
  /**
   * How it became the owner: `declared` (first bundle to declare a handler or producer of it),
   * `transfer` (an operator's approval, `transferId`), `migration` (derived from the catalog
   * stored before ownership existed: the first bundle by id).
   */
  source: 'declared' | 'transfer' | 'migration';
  transferId: string | null;
  since: string;
}
