import { BUNDLE_ID_PATTERN } from '@evento/contracts';
import { IsOptional, Matches } from 'class-validator';

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
}

export class BundleDetailDto extends BundleSummaryDto {
  /** Markdown. */
  detail: string | null;
  componentList: ComponentDto[];
  handlerList: HandlerDto[];
  payloadList: PayloadDto[];
}

export class PayloadsQueryDto {
  /** Only the payloads of this bundle. */
  @IsOptional()
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be 1-100 of A-Z a-z 0-9 _ -' })
  bundleId?: string;
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
  /** One per bundle that declares it, with its kind and JSON Schema. */
  declarations: PayloadDto[];
  handledBy: PayloadHandlerRefDto[];
  returnedBy: PayloadHandlerRefDto[];
  invokedBy: PayloadInvokerRefDto[];
}
