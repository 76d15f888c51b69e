import { GATEWAY_COMPONENT } from '../rollups/rollup-buffer';
import type { GatewayMeansRow, InvocationRow, StatRow } from '../storage/performance.repository';

/**
 * What a station stands for: a bundle's handler, the gateway's own work on one kind of request,
 * or the event store's work (story load and append) for one kind of command.
 */
export type StationKind = 'handler' | 'gateway' | 'event-store';

/** Component names of the shared stations; `$` cannot start a bundle id, so ids never collide. */
export const GATEWAY_STATION = '$gateway';
export const EVENT_STORE_STATION = '$event-store';

/**
 * A service station of the queueing network: a handler of one payload in one bundle, or the
 * gateway's or event store's share of one request kind and payload (bundleId '' for those:
 * they run on the gateway's and the event store's servers, shared by all their stations).
 */
export interface Station {
  id: string;
  kind: StationKind;
  bundleId: string;
  component: string;
  handler: string;
  payload: string;
  /** Mean service time (exponentially weighted for handlers); null when never measured. */
  serviceTimeMs: number | null;
  /** Executions measured in total. */
  samples: number;
  errorRate: number;
}

/** Station `from` sends `probability` messages of `payload` per execution, each handled by `to`. */
export interface Edge {
  from: string;
  to: string;
  payload: string;
  probability: number;
}

export interface FlowGraph {
  stations: Station[];
  edges: Edge[];
  /** Payloads that nothing in the graph sends: where work enters (invokers, API callers). */
  entryPoints: Array<{ payload: string; stations: string[] }>;
}

export function stationId(bundleId: string, component: string, handler: string, payload: string): string {
  return `${bundleId}/${component}/${handler}/${payload}`;
}

const SEP = '\u0000';

/** The stations arrivals of `payload` enter at: its gateway stations, else its handlers. */
export function entryStationIds(graph: FlowGraph, payload: string): string[] {
  const matching = graph.stations.filter((s) => s.payload === payload && s.kind !== 'event-store');
  const viaGateway = matching.filter((s) => s.kind === 'gateway');
  return (viaGateway.length > 0 ? viaGateway : matching).map((s) => s.id);
}

interface RequestMeans {
  kind: string;
  payload: string;
  count: number;
  total: number;
  wait: number;
  load: number;
  bundle: number;
  append: number;
}

/** The gateway's rows summed over bundles per request kind and payload (count-weighted means). */
function requestMeans(gateway: GatewayMeansRow[]): RequestMeans[] {
  const byRequest = new Map<string, RequestMeans>();
  for (const row of gateway) {
    const n = Number(row.count);
    if (!(n > 0)) continue;
    const key = `${row.kind}${SEP}${row.payload}`;
    const current = byRequest.get(key) ?? {
      kind: row.kind,
      payload: row.payload,
      count: 0,
      total: 0,
      wait: 0,
      load: 0,
      bundle: 0,
      append: 0,
    };
    current.count += n;
    current.total += (row.meanTotalMs ?? 0) * n;
    current.wait += (row.meanWaitMs ?? 0) * n;
    current.load += (row.meanLoadMs ?? 0) * n;
    current.bundle += (row.meanBundleMs ?? 0) * n;
    current.append += (row.meanAppendMs ?? 0) * n;
    byRequest.set(key, current);
  }
  return [...byRequest.values()].map((r) => ({
    ...r,
    total: r.total / r.count,
    wait: r.wait / r.count,
    load: r.load / r.count,
    bundle: r.bundle / r.count,
    append: r.append / r.count,
  }));
}

/**
 * Builds the flow graph. Stations: the measured handlers (and handlers only seen in invocation
 * reports); per request kind and payload the gateway saw, a gateway station (its own time:
 * total − aggregate wait − story load − bundle − append) and, for all but queries, an event-store
 * station (story load for domain commands + append). A request runs gateway → its handler(s)
 * → event store → the handlers of the events it appended (probability = events stored ÷
 * requests, from the gateway's `events`); a handler's sends go to the sent payload's gateway
 * station (commands and queries pass the gateway), else straight to its handlers. Without
 * gateway measurements the graph falls back to handler → handler edges.
 */
export function buildFlowGraph(
  stats: StatRow[],
  invocations: InvocationRow[],
  gateway: GatewayMeansRow[] = [],
): FlowGraph {
  const stations = new Map<string, Station>();
  const add = (bundleId: string, component: string, handler: string, payload: string): Station => {
    const id = stationId(bundleId, component, handler, payload);
    let station = stations.get(id);
    if (!station) {
      station = {
        id,
        kind: 'handler',
        bundleId,
        component,
        handler,
        payload,
        serviceTimeMs: null,
        samples: 0,
        errorRate: 0,
      };
      stations.set(id, station);
    }
    return station;
  };
  for (const row of stats) {
    const station = add(row.bundleId, row.component, row.handler, row.payload);
    station.serviceTimeMs = row.ewmaMs;
    station.samples = row.count;
    station.errorRate = row.ewmaErrorRate;
  }
  const handlerRows = invocations.filter((row) => row.component !== GATEWAY_COMPONENT);
  for (const row of handlerRows) add(row.bundleId, row.component, row.handler, row.payload);
  // A command or query the bundle reports no handler samples for still has a service time:
  // the gateway measured how long the bundle took (the original lost these times, §6.7).
  const handled = new Set([...stations.values()].map((s) => `${s.bundleId}${SEP}${s.payload}`));
  for (const row of gateway) {
    if (row.bundleId === '' || row.kind === 'publish' || handled.has(`${row.bundleId}${SEP}${row.payload}`)) continue;
    const station = add(row.bundleId, `gateway:${row.kind}`, 'bundle', row.payload);
    station.serviceTimeMs = row.meanBundleMs;
    station.samples = row.count;
  }

  const handlersOf = new Map<string, Station[]>();
  for (const station of stations.values()) {
    handlersOf.set(station.payload, [...(handlersOf.get(station.payload) ?? []), station]);
  }

  const edges: Edge[] = [];
  const gatewayOf = new Map<string, Station[]>();
  const storeOf = new Map<string, Station>();
  const shared = (kind: StationKind, component: string, request: RequestMeans, serviceTimeMs: number): Station => {
    const station: Station = {
      id: `${component}/${request.kind}/${request.payload}`,
      kind,
      bundleId: '',
      component,
      handler: request.kind,
      payload: request.payload,
      serviceTimeMs,
      samples: request.count,
      errorRate: 0,
    };
    stations.set(station.id, station);
    return station;
  };
  for (const request of requestMeans(gateway)) {
    // Story load is the event store's work, aggregate wait is queueing: neither is the gateway's.
    const load = request.kind === 'domain-command' ? request.load : 0;
    const own = Math.max(0, request.total - request.wait - load - request.bundle - request.append);
    const gatewayStation = shared('gateway', GATEWAY_STATION, request, own);
    gatewayOf.set(request.payload, [...(gatewayOf.get(request.payload) ?? []), gatewayStation]);
    const handlers = request.kind === 'publish' ? [] : (handlersOf.get(request.payload) ?? []);
    for (const handler of handlers) {
      edges.push({ from: gatewayStation.id, to: handler.id, payload: request.payload, probability: 1 });
    }
    if (request.kind === 'query') continue;
    const store = shared('event-store', EVENT_STORE_STATION, request, load + request.append);
    storeOf.set(`${request.kind}${SEP}${request.payload}`, store);
    // One append per request, whichever of its handlers ran it.
    for (const handler of handlers) {
      edges.push({ from: handler.id, to: store.id, payload: request.payload, probability: 1 / handlers.length });
    }
    if (handlers.length === 0) {
      edges.push({ from: gatewayStation.id, to: store.id, payload: request.payload, probability: 1 });
    }
  }

  // Sends per execution, keyed by the sending side: a station id, or "gw:<kind>\0<payload>" for the gateway.
  const executions = new Map<string, number>();
  const sends = new Map<string, Map<string, number>>();
  for (const row of invocations) {
    const source =
      row.component === GATEWAY_COMPONENT
        ? `gw:${row.handler}${SEP}${row.payload}`
        : stationId(row.bundleId, row.component, row.handler, row.payload);
    if (row.invokedPayload === '') {
      executions.set(source, (executions.get(source) ?? 0) + Number(row.executions));
    } else {
      const targets = sends.get(source) ?? new Map<string, number>();
      targets.set(row.invokedPayload, (targets.get(row.invokedPayload) ?? 0) + Number(row.invocations));
      sends.set(source, targets);
    }
  }
  for (const [source, targets] of sends) {
    const runs = executions.get(source) ?? 0;
    if (runs === 0) continue;
    let fromStations: string[];
    let targetsOf: (payload: string) => Station[];
    if (source.startsWith('gw:')) {
      // Stored events leave the event store towards their handlers.
      const store = storeOf.get(source.slice(3));
      const payload = source.slice(source.indexOf(SEP) + 1);
      fromStations = store ? [store.id] : (handlersOf.get(payload) ?? []).map((s) => s.id);
      targetsOf = (event) => handlersOf.get(event) ?? [];
    } else {
      fromStations = [source];
      targetsOf = (payload) => gatewayOf.get(payload) ?? handlersOf.get(payload) ?? [];
    }
    for (const [payload, count] of targets) {
      for (const from of fromStations) {
        for (const to of targetsOf(payload)) edges.push({ from, to: to.id, payload, probability: count / runs });
      }
    }
  }
  edges.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  const list = [...stations.values()].sort((a, b) => a.id.localeCompare(b.id));
  const graph: FlowGraph = { stations: list, edges, entryPoints: [] };
  // A payload is sent by the graph when an edge from another payload's station carries it.
  const payloadOf = new Map(list.map((s) => [s.id, s.payload]));
  const targeted = new Set(edges.filter((e) => payloadOf.get(e.from) !== e.payload).map((e) => e.payload));
  graph.entryPoints = [...new Set(list.map((s) => s.payload))]
    .filter((payload) => !targeted.has(payload))
    .sort((a, b) => a.localeCompare(b))
    .map((payload) => ({ payload, stations: entryStationIds(graph, payload).sort() }));
  return graph;
}
