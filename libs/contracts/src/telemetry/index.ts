import { defineEvent, defineRequest } from '../contract';
import { SUBJECT_PREFIX } from '../protocol';
import { AnalyseRequest, AnalysisResult } from './model.contract';
import { BundleTelemetryBatch, GatewayTelemetryBatch } from './samples.contract';
import { BundleStatsRequest, BundleStatsResult } from './stats.contract';

export * from './samples.contract';
export * from './model.contract';
export * from './stats.contract';

const TM = `${SUBJECT_PREFIX}.telemetry` as const;

/** Fire-and-forget, batched by the sender. */
export const TelemetryContracts = {
  bundleSamples: defineEvent(`${TM}.samples.bundle`, BundleTelemetryBatch),
  gatewaySamples: defineEvent(`${TM}.samples.gateway`, GatewayTelemetryBatch),
  /** The performance model's analysis for given arrival rates (the scaler asks). */
  analyse: defineRequest(`${TM}.model.analyse`, AnalyseRequest, AnalysisResult),
  /** p95 service time and consumer lag of one bundle over a recent window (the scaler's rules). */
  bundleStats: defineRequest(`${TM}.stats.bundle`, BundleStatsRequest, BundleStatsResult),
} as const;
