import type { AnalysisResult, BundleSizing, FlowAnalysis, ServiceSizing, StationAnalysis } from '@evento/contracts';
import { entryStationIds, type FlowGraph, type Station } from './flow-graph';

/**
 * Erlang C: the probability that an arrival at an M/M/c queue with offered load a = λ·S
 * (in Erlangs) finds all c servers busy. Computed with the Erlang B recurrence, which stays
 * stable for large c. Requires a < c.
 */
export function erlangC(servers: number, offeredLoad: number): number {
  if (offeredLoad <= 0) return 0;
  let b = 1;
  for (let k = 1; k <= servers; k += 1) b = (offeredLoad * b) / (k + offeredLoad * b);
  const rho = offeredLoad / servers;
  return b / (1 - rho + rho * b);
}

export interface AnalysisInput {
  arrivals: Array<{ payload: string; ratePerSec: number }>;
  targetUtilisation: number;
  /** Servers (instances) per bundle; at least 1. */
  instances: Map<string, number>;
  /** Servers of the gateway stations (default 1). */
  gatewayInstances?: number;
  /** Servers of the event-store stations (default 1). */
  eventStoreInstances?: number;
}

export class UnstableNetworkError extends Error {}

const MAX_ROUNDS = 10_000;

/** The servers a station runs on: its own for a handler, shared for the gateway's and the event store's. */
function resourceOf(station: Station): string {
  return station.kind === 'handler' ? station.id : `$${station.kind}`;
}

/**
 * Operational analysis of the open network: arrival rates enter at the named payloads'
 * entry stations (their gateway stations, else their handlers) and propagate along edges
 * (λ_to += λ_from · p) until they settle. Every handler station is an M/M/c queue with c = its
 * bundle's instances; the gateway stations together are one M/M/c queue with c = gateway
 * instances, the event-store stations another (their offered load a = Σ λ·S, mean service
 * time a/Σλ). Utilisation a/c, Erlang C wait probability, mean wait C·S̄/(c − a). A flow is
 * everything reachable from one entry point; its bottleneck is its station with the highest
 * utilisation. A bundle (or service) needs ⌈Σ λ·S / target⌉ instances to keep its average
 * utilisation under the target.
 */
export function analyse(graph: FlowGraph, input: AnalysisInput): AnalysisResult {
  const ids = graph.stations.map((s) => s.id);
  const external = new Map<string, number>(ids.map((id) => [id, 0]));
  const entries = new Map(input.arrivals.map((a) => [a.payload, entryStationIds(graph, a.payload)]));
  for (const arrival of input.arrivals) {
    for (const id of entries.get(arrival.payload) ?? []) {
      external.set(id, (external.get(id) ?? 0) + arrival.ratePerSec);
    }
  }
  // Fixed point of λ = external + Pᵀλ; loops converge when their gain is below one.
  let lambda = new Map(external);
  let converged = false;
  for (let round = 0; round < MAX_ROUNDS && !converged; round += 1) {
    const next = new Map(external);
    for (const edge of graph.edges) {
      next.set(edge.to, (next.get(edge.to) ?? 0) + (lambda.get(edge.from) ?? 0) * edge.probability);
    }
    converged = ids.every(
      (id) => Math.abs((next.get(id) ?? 0) - (lambda.get(id) ?? 0)) <= 1e-9 * Math.max(1, next.get(id) ?? 0),
    );
    lambda = next;
  }
  if (!converged) {
    throw new UnstableNetworkError(
      'Arrival rates do not settle: a loop of the flow graph sends at least as much as it receives',
    );
  }

  const serversOf = (station: Station): number => {
    if (station.kind === 'gateway') return Math.max(1, input.gatewayInstances ?? 1);
    if (station.kind === 'event-store') return Math.max(1, input.eventStoreInstances ?? 1);
    return Math.max(1, input.instances.get(station.bundleId) ?? 1);
  };
  // Offered load (Erlangs) and arrival rate per set of servers.
  const resources = new Map<string, { load: number; rate: number }>();
  for (const station of graph.stations) {
    const rate = lambda.get(station.id) ?? 0;
    const current = resources.get(resourceOf(station)) ?? { load: 0, rate: 0 };
    current.load += rate * ((station.serviceTimeMs ?? 0) / 1000);
    current.rate += rate;
    resources.set(resourceOf(station), current);
  }

  const stations: StationAnalysis[] = graph.stations.map((station) => {
    const servers = serversOf(station);
    const { load, rate: resourceRate } = resources.get(resourceOf(station))!;
    const utilisation = load / servers;
    const stable = utilisation < 1;
    const waitProbability = stable ? erlangC(servers, load) : 1;
    // FCFS over the shared servers: every station of a resource waits the same, set by the mix.
    const meanServiceMs = resourceRate > 0 ? (load * 1000) / resourceRate : (station.serviceTimeMs ?? 0);
    const meanWaitMs = stable ? (waitProbability * meanServiceMs) / (servers - load) : null;
    return {
      id: station.id,
      kind: station.kind,
      bundleId: station.bundleId,
      component: station.component,
      handler: station.handler,
      payload: station.payload,
      serviceTimeMs: station.serviceTimeMs,
      servers,
      arrivalRatePerSec: lambda.get(station.id) ?? 0,
      utilisation,
      waitProbability,
      meanWaitMs,
      meanResponseMs: meanWaitMs === null ? null : meanWaitMs + (station.serviceTimeMs ?? 0),
      stable,
    };
  });
  const byId = new Map(stations.map((s) => [s.id, s]));
  const outgoing = new Map<string, string[]>();
  for (const edge of graph.edges) outgoing.set(edge.from, [...(outgoing.get(edge.from) ?? []), edge.to]);

  const flows: FlowAnalysis[] = input.arrivals.map((arrival) => {
    const reached = new Set<string>();
    const queue = [...(entries.get(arrival.payload) ?? [])];
    while (queue.length > 0) {
      const id = queue.shift()!;
      if (reached.has(id)) continue;
      reached.add(id);
      queue.push(...(outgoing.get(id) ?? []));
    }
    let bottleneck: StationAnalysis | null = null;
    for (const id of [...reached].sort()) {
      const station = byId.get(id)!;
      if (!bottleneck || station.utilisation > bottleneck.utilisation) bottleneck = station;
    }
    return {
      entry: arrival.payload,
      ratePerSec: arrival.ratePerSec,
      stations: [...reached].sort(),
      bottleneck: bottleneck?.id ?? null,
      bottleneckUtilisation: bottleneck?.utilisation ?? 0,
    };
  });

  // The epsilon keeps 0.7/0.7 at one instance instead of two after floating-point noise.
  const needed = (offeredLoad: number) => Math.max(1, Math.ceil(offeredLoad / input.targetUtilisation - 1e-9));
  const loads = new Map<string, number>();
  for (const station of stations) {
    if (station.kind !== 'handler') continue;
    loads.set(
      station.bundleId,
      (loads.get(station.bundleId) ?? 0) + station.arrivalRatePerSec * ((station.serviceTimeMs ?? 0) / 1000),
    );
  }
  const bundles: BundleSizing[] = [...loads.entries()]
    .map(([bundleId, offeredLoad]) => ({
      bundleId,
      currentInstances: Math.max(1, input.instances.get(bundleId) ?? 1),
      offeredLoad,
      instancesNeeded: needed(offeredLoad),
    }))
    .sort((a, b) => a.bundleId.localeCompare(b.bundleId));
  const services: ServiceSizing[] = (['gateway', 'event-store'] as const)
    .filter((service) => graph.stations.some((s) => s.kind === service))
    .map((service) => {
      const offeredLoad = resources.get(`$${service}`)?.load ?? 0;
      return {
        service,
        currentInstances: Math.max(
          1,
          (service === 'gateway' ? input.gatewayInstances : input.eventStoreInstances) ?? 1,
        ),
        offeredLoad,
        instancesNeeded: needed(offeredLoad),
      };
    });
  return { targetUtilisation: input.targetUtilisation, stations, flows, bundles, services };
}
