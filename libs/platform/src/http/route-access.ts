import { type INestApplicationContext, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { isOperatorRole } from '../auth/operator-roles';
import { ROUTE_ACCESS_METADATA, type RouteAccess } from './requires.decorator';

/** One HTTP operation of an app, with the access it declared (undefined: none). */
export interface HttpRoute {
  method: string;
  /** As Express matches it: `/bundles/:bundleId`. */
  path: string;
  /** `Controller.method`, to name it in errors. */
  handler: string;
  access?: RouteAccess;
}

function paths(value: unknown): string[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.map((item) => (typeof item === 'string' ? item : ''));
}

function join(...parts: string[]): string {
  const joined = parts
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment.length > 0)
    .join('/');
  return `/${joined}`;
}

/** Every HTTP operation of the app, read from Nest's route metadata. */
export function httpRoutes(app: INestApplicationContext): HttpRoute[] {
  const discovery = app.get(DiscoveryService, { strict: false });
  const scanner = app.get(MetadataScanner, { strict: false });
  const routes: HttpRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const type = wrapper.metatype as (abstract new (...args: never[]) => unknown) | null;
    if (!type || typeof type !== 'function') continue;
    const prototype = type.prototype as Record<string, unknown>;
    const prefixes = paths(Reflect.getMetadata(PATH_METADATA, type));
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler !== 'function') continue;
      const own = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
      // Methods without a path are not HTTP operations (NATS handlers, helpers).
      if (own === undefined) continue;
      const method = RequestMethod[(Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod) ?? 0];
      const access = Reflect.getMetadata(ROUTE_ACCESS_METADATA, handler) as RouteAccess | undefined;
      for (const prefix of prefixes) {
        for (const path of paths(own)) {
          routes.push({ method, path: join(prefix, path), handler: `${type.name}.${name}`, access });
        }
      }
    }
  }
  return routes;
}

/**
 * Refuses an app in which an HTTP operation declares no access (nothing is open by mistake),
 * or declares an unknown one, or is public with path parameters (public paths are matched
 * exactly, before any body is read). Returns the public paths.
 */
export function checkRouteAccess(routes: HttpRoute[]): Set<string> {
  const problems: string[] = [];
  const open = new Set<string>();
  for (const route of routes) {
    const where = `${route.method} ${route.path} (${route.handler})`;
    if (route.access === undefined) problems.push(`${where} declares no role: add @Requires(role) or @Public()`);
    else if (route.access === 'public') {
      if (route.path.includes(':') || route.path.includes('*')) problems.push(`${where} is public with parameters`);
      open.add(route.path);
    } else if (!isOperatorRole(route.access)) problems.push(`${where} requires an unknown role`);
  }
  if (problems.length > 0) throw new Error(`HTTP operations without a valid role:\n  - ${problems.join('\n  - ')}`);
  return open;
}
