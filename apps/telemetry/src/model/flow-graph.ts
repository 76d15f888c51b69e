import { GATEWAY_COMPONENT } from '../rollups/rollup-buffer';

/** A handler of one payload in one bundle: a service station of the queueing network. */
export interface Station {
  id: string;
  bundleId: string;
  component: string;
  handler: string;
  payload: string;
  /** Exponentially weighted mean service time; null when never measured. */
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

export interface StatRow {
  bundleId: string;
  component: string;
  handler: string;
  payload: string;
  ewmaMs: number;
  count: number;
  ewmaErrorRate: number;
}

/** Invocation totals over the window; invokedPayload '' carries the executions. */
export interface InvocationRow {
  bundleId: string;
  component: string;
  handler: string;
  payload: string;
  invokedPayload: string;
  executions: number;
  invocations: number;
}

/** What the gateway measured per command or query over the window: the time spent in the bundle. */
export interface GatewayRow {
  kind: string;
  payload: string;
  bundleId: string;
  count: number;
  meanBundleMs: number;
}

export function stationId(bundleId: string, component: string, handler: string, payload: string): string {
  return `${bundleId}/${component}/${handler}/${payload}`;
}

/**
 * Builds the flow graph: stations from the measured handlers (and handlers only seen in
 * invocation reports), edges handler → payload it sent → every handler of that payload, with
 * probability = sends of that payload ÷ executions of the sender. The gateway's reports add
 * command → event edges: the events a command appended leave the command's handler(s).
 */
export function buildFlowGraph(stats: StatRow[], invocations: InvocationRow[], gateway: GatewayRow[] = []): FlowGraph {
  const stations = new Map<string, Station>();
  const add = (bundleId: string, component: string, handler: string, payload: string): Station => {
    const id = stationId(bundleId, component, handler, payload);
    let station = stations.get(id);
    if (!station) {
      station = { id, bundleId, component, handler, payload, serviceTimeMs: null, samples: 0, errorRate: 0 };
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
  const handled = new Set([...stations.values()].map((s) => `${s.bundleId}\u0000${s.payload}`));
  for (const row of gateway) {
    if (row.bundleId === '' || row.kind === 'publish' || handled.has(`${row.bundleId}\u0000${row.payload}`)) continue;
    const station = add(row.bundleId, `gateway:${row.kind}`, 'bundle', row.payload);
    station.serviceTimeMs = row.meanBundleMs;
    station.samples = row.count;
  }

  const byPayload = new Map<string, Station[]>();
  for (const station of stations.values()) {
    byPayload.set(station.payload, [...(byPayload.get(station.payload) ?? []), station]);
  }

  // Sends per execution, keyed by the sending side: a station id, or "gw:<payload>" for the gateway.
  const executions = new Map<string, number>();
  const sends = new Map<string, Map<string, number>>();
  for (const row of invocations) {
    const source =
      row.component === GATEWAY_COMPONENT
        ? `gw:${row.payload}`
        : stationId(row.bundleId, row.component, row.handler, row.payload);
    if (row.invokedPayload === '') {
      executions.set(source, (executions.get(source) ?? 0) + row.executions);
    } else {
      const targets = sends.get(source) ?? new Map<string, number>();
      targets.set(row.invokedPayload, (targets.get(row.invokedPayload) ?? 0) + row.invocations);
      sends.set(source, targets);
    }
  }
  const edges: Edge[] = [];
  for (const [source, targets] of sends) {
    const runs = executions.get(source) ?? 0;
    if (runs === 0) continue;
    const fromStations = source.startsWith('gw:') ? (byPayload.get(source.slice(3)) ?? []).map((s) => s.id) : [source];
    for (const [payload, count] of targets) {
      for (const from of fromStations) {
        for (const to of byPayload.get(payload) ?? []) {
          edges.push({ from, to: to.id, payload, probability: count / runs });
        }
      }
    }
  }
  edges.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  const targeted = new Set(edges.map((edge) => edge.payload));
  const entryPoints = [...byPayload.entries()]
    .filter(([payload]) => !targeted.has(payload))
    .map(([payload, list]) => ({ payload, stations: list.map((s) => s.id).sort() }))
    .sort((a, b) => a.payload.localeCompare(b.payload));
  return { stations: [...stations.values()].sort((a, b) => a.id.localeCompare(b.id)), edges, entryPoints };
}
