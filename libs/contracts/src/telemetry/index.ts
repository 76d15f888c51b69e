import { defineEvent } from '../contract';
import { SUBJECT_PREFIX } from '../protocol';
import { BundleTelemetryBatch, GatewayTelemetryBatch } from './samples.contract';

export * from './samples.contract';

const TM = `${SUBJECT_PREFIX}.telemetry` as const;

/** Fire-and-forget, batched by the sender. */
export const TelemetryContracts = {
  bundleSamples: defineEvent(`${TM}.samples.bundle`, BundleTelemetryBatch),
  gatewaySamples: defineEvent(`${TM}.samples.gateway`, GatewayTelemetryBatch),
} as const;
