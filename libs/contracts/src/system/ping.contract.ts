import { IsOptional, IsString, MaxLength } from 'class-validator';
import { defineRequest } from '../contract';
import { type AppName, SUBJECT_PREFIX } from '../protocol';

export class PingRequest {
  /** Returned unchanged in the reply, to tell replies apart. */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  echo?: string;
}

export class PingResponse {
  app: AppName;
  instanceId: string;
  version: string;
  protocolVersion: number;
  echo?: string;
  time: string;
}

/** Every app answers a ping on its own subject: the cheapest end-to-end check of an app. */
export const SystemContracts = {
  ping: {
    gateway: defineRequest(`${SUBJECT_PREFIX}.gateway.system.ping`, PingRequest, PingResponse),
    'event-store': defineRequest(`${SUBJECT_PREFIX}.event-store.system.ping`, PingRequest, PingResponse),
    registry: defineRequest(`${SUBJECT_PREFIX}.registry.system.ping`, PingRequest, PingResponse),
    telemetry: defineRequest(`${SUBJECT_PREFIX}.telemetry.system.ping`, PingRequest, PingResponse),
    scaler: defineRequest(`${SUBJECT_PREFIX}.scaler.system.ping`, PingRequest, PingResponse),
  } satisfies Record<AppName, unknown>,
} as const;
