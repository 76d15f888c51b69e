import { BUNDLE_ID_PATTERN } from '@evento/contracts';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/page-query.dto';
import { ConsumerActionReply, ConsumerStatusReply } from '../instance-replies';

export class ConsumersQueryDto extends PageQueryDto {
  /** Only the consumers of this bundle. */
  @IsOptional()
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be 1-100 of A-Z a-z 0-9 _ -' })
  bundleId?: string;
}

export class ConsumerInstanceDto {
  instanceId: string;
  /** Holds the consumer's lock: the instance processing it and answering admin requests. */
  active: boolean;
  cursor: string | null;
  lag: number | null;
  deadEvents: number | null;
  reportedAt: string;
}

/** A consumer as the live instances of its bundle report it. */
export class ConsumerDto {
  bundleId: string;
  consumerId: string;
  componentName: string;
  componentType: string;
  version: number;
  context: string;
  /** Null when no live instance reports itself active for it. */
  activeInstanceId: string | null;
  /** Dead events per the active instance's last report (else the largest reported). */
  deadEvents: number | null;
  instances: ConsumerInstanceDto[];
}

export class ConsumerPageDto {
  items: ConsumerDto[];
  page: number;
  pageSize: number;
  total: number;
}

export class SetRetryBodyDto {
  /** true: process this dead event at the next replay; false: leave it. */
  @IsBoolean()
  retry: boolean;
}

export class ResetBodyDto {
  /** Event-store cursor to restart after; '' to rebuild from the start. */
  @IsString()
  @Matches(/^(|\d{1,20}|\d{1,20}:\d{1,20})$/, { message: 'cursor must be a cursor of the event store or empty' })
  cursor: string;
}

/** The active instance's answer to a status request, relayed; `instanceId` names that instance. */
export class RelayedConsumerStatusDto extends ConsumerStatusReply {
  instanceId: string;
}

/** The active instance's answer to an admin action, relayed; `instanceId` names that instance. */
export class RelayedConsumerActionDto extends ConsumerActionReply {
  instanceId: string;
}
