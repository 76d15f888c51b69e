import { type AppName, JsonLimits } from '@evento/contracts';
import { type DynamicModule, type INestApplication, Logger as NestLogger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, NestFactory, Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { raw } from 'express';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from 'nestjs-pino';
import { OperatorAuthenticator } from '../auth/operator-authenticator';
import { BaseConfig } from '../config';
import { NatsEdge } from '../edge/nats-edge.service';
import { compileHttpValidators, HttpErrorFilter, HttpValidationPipe } from '../errors';
import { bodyParserErrors, jsonBody } from '../http/http-guards';
import { openOperatorAccess, operatorAuthentication } from '../http/operator-auth';
import { OperatorRoleGuard } from '../http/operator-role.guard';
import { REQUIRED_ROLE_EXTENSION } from '../http/requires.decorator';
import { checkRouteAccess, httpRoutes } from '../http/route-access';
import { MetricsService, RejectedInputMetrics } from '../metrics';
import { SUITE_VERSION } from '../system/system.message.controller';

export interface AppDefinition {
  name: AppName;
  title: string;
  description: string;
  module: DynamicModule;
  config: BaseConfig;
}

/**
 * Builds an app with the suite's logging, body limits, validation, error mapping, operator
 * authentication and roles, and Swagger, initialised and serving its NATS subjects (NatsEdge)
 * but not yet listening on HTTP.
 */
export async function createEventoApp(definition: AppDefinition): Promise<NestExpressApplication> {
  const { config } = definition;
  const app = await NestFactory.create<NestExpressApplication>(definition.module, {
    bufferLogs: true,
    bodyParser: false,
    // Open Server-Sent Events streams would otherwise hold close() until keep-alive times out;
    // by the time HTTP closes, NATS work has drained and readiness has long said no.
    forceCloseConnections: true,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  const logger = new NestLogger('Bootstrap');
  const rejected = new RejectedInputMetrics(app.get(MetricsService), config.NATS_SUBJECT_PREFIX);
  app.use(rejected.http);

  // Every HTTP operation declares the role it needs (or @Public()): refused at boot otherwise.
  let publicPaths: Set<string>;
  try {
    publicPaths = checkRouteAccess(httpRoutes(app));
  } catch (error) {
    await app.close();
    throw error;
  }
  const authenticator = new OperatorAuthenticator(config);
  if (authenticator.open) {
    logger.warn('No operator credential is configured: the HTTP API is open to anyone who can reach it');
    app.use(openOperatorAccess);
  } else {
    logger.log(`Operators authenticate with ${authenticator.describe()}`);
    app.use(operatorAuthentication(authenticator, { docsPublic: config.docsPublic, publicPaths }));
  }
  app.useGlobalGuards(new OperatorRoleGuard(app.get(Reflector)));
  // Read raw, then parsed by the same code as NATS bodies (shape bounded before JSON.parse).
  app.use(raw({ type: ['application/json', 'application/*+json'], limit: JsonLimits.maxBytes }));
  app.use(bodyParserErrors);
  app.use(jsonBody);
  app.useGlobalPipes(new HttpValidationPipe());
  app.useGlobalFilters(new HttpErrorFilter());
  app.disable('x-powered-by');

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(definition.title)
      .setDescription(definition.description)
      .setVersion(SUITE_VERSION)
      .addBearerAuth()
      .build(),
    { operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}` },
  );
  describeRoles(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

  await app.init();
  compileHttpValidators(
    app
      .get(DiscoveryService)
      .getControllers()
      .map((wrapper) => wrapper.instance as object)
      .filter(Boolean),
    app.get(MetadataScanner),
  );
  // Subscribed only once every provider is initialised: a message never meets a half-built app.
  await app.get(NatsEdge).start();
  return app;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Says in each operation's description which role it requires (the `x-required-role` @Requires sets). */
function describeRoles(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method] as (Record<string, unknown> & { description?: string }) | undefined;
      const role = operation?.[REQUIRED_ROLE_EXTENSION];
      if (!operation || typeof role !== 'string') continue;
      const access = role === 'public' ? 'No credentials needed.' : `Requires the \`${role}\` role or higher.`;
      operation.description = operation.description ? `${operation.description}\n\n${access}` : access;
    }
  }
}

/** Starts HTTP on the configured host and port; returns the URL it answers on. */
export async function listen(app: INestApplication, config: BaseConfig): Promise<string> {
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  const server = app.getHttpServer() as HttpServer;
  const address = server.address() as AddressInfo;
  const host = config.HTTP_HOST === '0.0.0.0' ? '127.0.0.1' : config.HTTP_HOST;
  return `http://${host}:${address.port}`;
}

/**
 * On SIGTERM or SIGINT: stop intake, finish in-flight work, close NATS and Postgres, exit 0.
 * If that takes longer than SHUTDOWN_TIMEOUT_MS, exit 1 instead of hanging.
 */
export function closeOnSignals(app: INestApplication, config: BaseConfig): void {
  const logger = new NestLogger('Shutdown');
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: draining`);
    setTimeout(() => {
      logger.error(`Shutdown took longer than ${config.SHUTDOWN_TIMEOUT_MS} ms; exiting`);
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    app
      .close()
      .then(() => {
        logger.log('Closed cleanly');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error(`Shutdown failed: ${String(error)}`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/** The whole life of an app process: validated config, app, HTTP, signals. */
export async function runApp(definition: AppDefinition): Promise<void> {
  const app = await createEventoApp(definition);
  closeOnSignals(app, definition.config);
  const url = await listen(app, definition.config);
  new NestLogger('Bootstrap').log(
    `${definition.name} ready at ${url} (docs ${url}/docs, health ${url}/health/ready), database ${definition.config.databaseUrlRedacted}`,
  );
}
