import { type AnalyseRequest, type AnalysisResult, ErrorCode, EventoError } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { PerformanceRepository } from '../storage/performance.repository';
import { buildFlowGraph, type FlowGraph } from './flow-graph';
import { analyse, UnstableNetworkError } from './queueing';

const DEFAULT_WINDOW_MINUTES = 60;
/** Instances count as running when they reported resources (gateways: samples) this recently. */
const INSTANCE_WINDOW_MS = 5 * 60_000;

/** The performance model, computed on the server from the rollups. */
@Injectable()
export class ModelService {
  constructor(private readonly repository: PerformanceRepository) {}

  async flows(
    windowMinutes = DEFAULT_WINDOW_MINUTES,
  ): Promise<FlowGraph & { instances: Record<string, number>; gatewayInstances: number }> {
    const { graph, instances, gatewayInstances } = await this.load(windowMinutes);
    return { ...graph, instances: Object.fromEntries(instances), gatewayInstances };
  }

  async analyse(request: AnalyseRequest): Promise<AnalysisResult> {
    const { graph, instances, gatewayInstances } = await this.load(request.windowMinutes ?? DEFAULT_WINDOW_MINUTES);
    for (const override of request.instances ?? []) instances.set(override.bundleId, override.instances);
    try {
      return analyse(graph, {
        arrivals: request.arrivals,
        targetUtilisation: request.targetUtilisation ?? 0.7,
        instances,
        gatewayInstances: request.gatewayInstances ?? Math.max(1, gatewayInstances),
        eventStoreInstances: request.eventStoreInstances ?? 1,
      });
    } catch (error) {
      if (error instanceof UnstableNetworkError) throw new EventoError(ErrorCode.VALIDATION_FAILED, error.message);
      throw error;
    }
  }

  private async load(
    windowMinutes: number,
  ): Promise<{ graph: FlowGraph; instances: Map<string, number>; gatewayInstances: number }> {
    const since = new Date(Date.now() - windowMinutes * 60_000);
    const running = new Date(Date.now() - INSTANCE_WINDOW_MS);
    const [stats, invocations, gateway, instances, gatewayInstances] = await Promise.all([
      this.repository.stats(since),
      this.repository.invocations(since),
      this.repository.gatewayMeans(since),
      this.repository.instances(running),
      this.repository.gatewayInstances(running),
    ]);
    return { graph: buildFlowGraph(stats, invocations, gateway), instances, gatewayInstances };
  }
}
