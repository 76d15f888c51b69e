import {
  ErrorCode,
  EventoError,
  RegistryContracts,
  type Route,
  type RoutedInstance,
  type RoutingChanged,
  type RoutingTableResponse,
} from '@evento/contracts';
import { EventoClient } from '@evento/platform';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config';
import type { RequestContext } from '../requests/request-context';

/** An instance that did not answer (no responders) is skipped this long, or until the table drops it. */
const QUARANTINE_MS = 5_000;
/** An unknown payload triggers at most one reload this often: the table may just be behind. */
const MISS_RELOAD_INTERVAL_MS = 500;

export interface Destination {
  route: Route;
  instances: RoutedInstance[];
}

/**
 * The gateway's copy of the registry's routing table: loaded at boot, reloaded on every
 * `routing.changed` notice and on a timer (in case a notice was missed).
 */
@Injectable()
export class RoutingTableService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RoutingTableService.name);
  private routes = new Map<string, Route[]>();
  private table: RoutingTableResponse | undefined;
  private loadedAt: Date | undefined;
  private loading: Promise<void> | undefined;
  private reloadAgain = false;
  private lastMissReload = 0;
  private readonly quarantine = new Map<string, number>();
  private readonly noticeListeners: Array<(notice: RoutingChanged) => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: EventoClient,
    private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.reload(), this.config.GATEWAY_ROUTING_REFRESH_MS);
    this.timer.unref();
    // Not awaited: a gateway boots and reports ready even while the registry is still starting.
    void this.reload();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** A routing.changed notice (every gateway hears each): listeners first, then a reload unless the table has it. */
  noticed(notice: RoutingChanged): void {
    for (const listener of this.noticeListeners) listener(notice);
    if (!this.covers(notice)) void this.reload();
  }

  /** Called with every routing.changed notice this gateway receives. */
  onNotice(listener: (notice: RoutingChanged) => void): void {
    this.noticeListeners.push(listener);
  }

  /** Loads the table now; concurrent calls share one load and a change during a load triggers one more. */
  reload(): Promise<void> {
    if (this.loading) {
      this.reloadAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        do {
          this.reloadAgain = false;
          await this.loadOnce();
        } while (this.reloadAgain);
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  private async loadOnce(): Promise<void> {
    try {
      const table = await this.client.request(RegistryContracts.routingTable, {}, { timeoutMs: 5_000 });
      this.apply(table);
    } catch (error) {
      this.logger.warn(`Routing table not loaded: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private apply(table: RoutingTableResponse): void {
    // Registry replicas may answer out of order: never go back to an older table.
    if (this.table && table.version < this.table.version) return;
    const routes = new Map<string, Route[]>();
    const present = new Set<string>();
    for (const route of table.routes) {
      const list = routes.get(route.payload) ?? [];
      list.push(route);
      routes.set(route.payload, list);
      for (const instance of route.instances) present.add(instance.instanceId);
    }
    this.routes = routes;
    this.table = table;
    this.loadedAt = new Date();
    for (const id of this.quarantine.keys()) if (!present.has(id)) this.quarantine.delete(id);
  }

  /**
   * The route of a payload and its routable instances. NO_HANDLER when no bundle declares a
   * handler for it, NO_AVAILABLE_INSTANCE when its bundle has no available instance. A reload
   * on a miss is waited for only within the request's deadline.
   */
  async resolve(payload: string, kinds: readonly string[], context: RequestContext): Promise<Destination> {
    let candidates = this.matching(payload, kinds);
    if (candidates.every((route) => this.routable(route).length === 0) && this.mayReloadOnMiss()) {
      // A bundle that registered a moment ago may not have reached this copy of the table yet.
      await context.bound(this.reload(), `while the routing table was reloaded for ${payload}`);
      candidates = this.matching(payload, kinds);
    }
    if (candidates.length === 0) {
      throw new EventoError(ErrorCode.NO_HANDLER, `No bundle handles ${payload}`, { payload });
    }
    // The registry lists the routes of the payload's owner only, so every candidate is of one bundle.
    for (const route of candidates) {
      const instances = this.routable(route);
      if (instances.length > 0) return { route, instances };
    }
    throw new EventoError(
      ErrorCode.NO_AVAILABLE_INSTANCE,
      `No available instance of ${candidates.map((route) => route.bundleId).join(', ')} handles ${payload}`,
      { payload, bundleIds: candidates.map((route) => route.bundleId) },
    );
  }

  /** True when the notice's change is already in the table this gateway holds (no reload needed). */
  private covers(notice: RoutingChanged): boolean {
    // Version 0: the registry could not number the change; reload to be safe.
    return notice.version > 0 && this.table !== undefined && notice.version <= this.table.version;
  }

  /** Skips an instance that did not answer until the table drops it or a few seconds pass. */
  markUnreachable(instanceId: string): void {
    this.quarantine.set(instanceId, Date.now() + QUARANTINE_MS);
  }

  snapshot(): { loadedAt: Date | undefined; routes: Route[] } {
    return { loadedAt: this.loadedAt, routes: this.table?.routes ?? [] };
  }

  private matching(payload: string, kinds: readonly string[]): Route[] {
    return (this.routes.get(payload) ?? []).filter((route) => kinds.includes(route.kind));
  }

  private routable(route: Route): RoutedInstance[] {
    const now = Date.now();
    return route.instances.filter((instance) => (this.quarantine.get(instance.instanceId) ?? 0) <= now);
  }

  private mayReloadOnMiss(): boolean {
    const now = Date.now();
    if (this.loadedAt !== undefined && now - this.lastMissReload < MISS_RELOAD_INTERVAL_MS) return false;
    this.lastMissReload = now;
    return true;
  }
}
