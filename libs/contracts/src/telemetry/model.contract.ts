import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsNumber, IsOptional, Matches, Max, Min } from 'class-validator';
import { NAME_PATTERN } from '../event-store/events.contract';
import { BUNDLE_ID_PATTERN } from '../registry/hello.contract';
import { Nested } from '../validation/nested.decorator';

/** Requests per second arriving from outside at one entry point (a payload). */
export class EntryArrival {
  @Matches(NAME_PATTERN, { message: 'payload must be 1-200 printable characters without spaces' })
  payload: string;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(10_000_000)
  ratePerSec: number;
}

/** Instances to assume for a bundle instead of those seen reporting (what-if analysis). */
export class BundleInstances {
  @Matches(BUNDLE_ID_PATTERN, { message: 'bundleId must be a bundle id' })
  bundleId: string;

  @IsInt()
  @Min(1)
  @Max(10_000)
  instances: number;
}

export class AnalyseRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @Nested(() => EntryArrival, { each: true })
  arrivals: EntryArrival[];

  /** Utilisation each bundle should stay under when sizing it (default 0.7). */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(1)
  targetUtilisation?: number;

  /** How far back invocation counts are read for edge probabilities (minutes, default 60). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_080)
  windowMinutes?: number;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Nested(() => BundleInstances, { each: true })
  instances?: BundleInstances[];

  /** Gateway instances to assume instead of those seen sending samples in the last 5 minutes. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  gatewayInstances?: number;

  /** Appends the event store serves in parallel (default 1: one Postgres primary takes every append). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  eventStoreInstances?: number;
}

export const STATION_KINDS = ['handler', 'gateway', 'event-store'] as const;

/**
 * One service station of the queueing network: a handler of one payload in one bundle, or the
 * gateway's or event store's work for one request kind and payload (bundleId '' for those).
 * Gateway stations share the gateway's servers, event-store stations the event store's: their
 * utilisation and wait are those of the shared servers.
 */
export class StationAnalysis {
  id: string;
  kind: (typeof STATION_KINDS)[number];
  bundleId: string;
  component: string;
  handler: string;
  payload: string;
  /** Mean service time (exponentially weighted), null when never measured. */
  serviceTimeMs: number | null;
  servers: number;
  arrivalRatePerSec: number;
  /** λ·S/c */
  utilisation: number;
  /** Erlang C: probability an arrival waits (1 when unstable). */
  waitProbability: number;
  /** M/M/c mean wait in queue; null when utilisation ≥ 1 (the queue grows without bound). */
  meanWaitMs: number | null;
  meanResponseMs: number | null;
  stable: boolean;
}

export class FlowAnalysis {
  entry: string;
  ratePerSec: number;
  stations: string[];
  /** The station of the flow with the highest utilisation. */
  bottleneck: string | null;
  bottleneckUtilisation: number;
}

export class BundleSizing {
  bundleId: string;
  currentInstances: number;
  /** Σ λ·S over the bundle's stations: busy servers needed on average. */
  offeredLoad: number;
  instancesNeeded: number;
}

/** The same sizing for the suite's shared services in the model. */
export class ServiceSizing {
  service: 'gateway' | 'event-store';
  currentInstances: number;
  offeredLoad: number;
  instancesNeeded: number;
}

export class AnalysisResult {
  targetUtilisation: number;
  stations: StationAnalysis[];
  flows: FlowAnalysis[];
  bundles: BundleSizing[];
  /** Gateway and event store, when the gateway's measurements put them in the model. */
  services: ServiceSizing[];
}
