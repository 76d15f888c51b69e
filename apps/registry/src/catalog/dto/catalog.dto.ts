import {
  BUNDLE_ID_PATTERN,
  COMPONENT_TYPES,
  type ComponentType,
  HANDLER_TYPES,
  type HandlerType,
  NAME_PATTERN,
  PAYLOAD_KINDS,
  type PayloadKind,
} from '@evento/contracts';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/page-query.dto';
import { PayloadOwnerDto, PayloadTransferDto } from '../../ownership/dto/ownership.dto';

/** A bundle in the catalog; `present` is false when it is expected but no instance is live. */
export class BundleSummaryDto {
  bundleId: string;
  bundleVersion: string;
  description: string | null;
  repositoryUrl: string | null;
  linePrefix: string | null;
  /** When it last sent a descriptor; null when it only said hello. */
  discoveredAt: string | null;
  updatedAt: string;
  liveInstances: number;
  present: boolean;
  components: number;
  handlers: number;
  payloads: number;
}

export class ComponentDto {
  name: string;
  type: string;
  description: string | null;
  path: string | null;
  line: number | null;
}

export class HandlerDto {
  componentName: string;
  handlerType: string;
  payload: string;
  returnType: string | null;
  returnsMany: boolean;
  associationProperty: string | null;
  line: number | null;
  invokedCommands: string[];
  invokedQueries: string[];
}

export class PayloadDto {
  bundleId: string;
  name: string;
  kind: string;
  domain: string | null;
  description: string | null;
  detail: string | null;
  jsonSchema: Record<string, unknown> | null;
  /** Domain commands: the payload property that holds the aggregate id (null: callers send `aggregateId`). */
  aggregateIdProperty: string | null;
  /**
   * The bundle that owns this payload name (`bundleId` itself or another bundle), null when none
   * does. Commands and queries route to the owner only, and only the owner's JSON Schema counts.
   */
  owner: string | null;
}

export class BundleDetailDto extends BundleSummaryDto {
  /** Markdown. */
  detail: string | null;
  componentList: ComponentDto[];
  handlerList: HandlerDto[];
  payloadList: PayloadDto[];
}

/** A handler that handles, returns or invokes a payload. */
export class PayloadHandlerRefDto {
  bundleId: string;
  componentName: string;
  componentType: string;
  handlerType: string;
  /** What the handler handles. */
  payload: string;
  returnType: string | null;
  returnsMany: boolean;
  associationProperty: string | null;
}

export class PayloadInvokerRefDto extends PayloadHandlerRefDto {
  /** How the handler sends the payload. */
  invokedAs: 'command' | 'query';
}

export class PayloadDetailDto {
  name: string;
  /** The one bundle that owns the payload (routes go there only); null when none does. */
  owner: PayloadOwnerDto | null;
  /** The latest transfers of its ownership, newest first (at most 20; see `GET /payloads/{name}/transfers`). */
  recentTransfers: PayloadTransferDto[];
  /** How many transfers there were in all. */
  transfers: number;
  /** One per bundle that declares it, with its kind and JSON Schema. */
  declarations: PayloadDto[];
  handledBy: PayloadHandlerRefDto[];
  returnedBy: PayloadHandlerRefDto[];
  invokedBy: PayloadInvokerRefDto[];
}

export class PayloadsQueryDto extends PageQueryDto {
  /** Only the payloads of this bundle. */
  @IsOptional()
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be 1-100 of A-Z a-z 0-9 _ -' })
  bundleId?: string;

  /** Only payloads of this kind. */
  @IsOptional()
  @IsIn(PAYLOAD_KINDS)
  kind?: PayloadKind;
}

export class PayloadPageDto {
  items: PayloadDto[];
  page: number;
  pageSize: number;
  total: number;
}

export class ComponentsQueryDto extends PageQueryDto {
  @IsOptional()
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be 1-100 of A-Z a-z 0-9 _ -' })
  bundleId?: string;

  @IsOptional()
  @IsIn(COMPONENT_TYPES)
  type?: ComponentType;
}

export class HandlersQueryDto extends PageQueryDto {
  @IsOptional()
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be 1-100 of A-Z a-z 0-9 _ -' })
  bundleId?: string;

  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'componentName must be 1-200 printable characters without spaces' })
  componentName?: string;

  @IsOptional()
  @IsIn(HANDLER_TYPES)
  handlerType?: HandlerType;

  /** Only the handlers of this payload. */
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'payload must be 1-200 printable characters without spaces' })
  payload?: string;
}

export class ComponentSummaryDto extends ComponentDto {
  bundleId: string;
  handlers: number;
}

export class ComponentPageDto {
  items: ComponentSummaryDto[];
  page: number;
  pageSize: number;
  total: number;
}

export class ComponentDetailDto extends ComponentDto {
  bundleId: string;
  handlerList: HandlerDto[];
}

export class BundleHandlerDto extends HandlerDto {
  bundleId: string;
}

export class HandlerPageDto {
  items: BundleHandlerDto[];
  page: number;
  pageSize: number;
  total: number;
}
