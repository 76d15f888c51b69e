import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions, type MixedList } from 'typeorm';
import { BaseConfig } from '../config';
import { DatabasePoolMetrics } from './database-pool.metrics';
import { ensureDatabase } from './ensure-database';
import { runMigrationsLocked } from './run-migrations';

export interface DatabaseOptions {
  /** The Postgres schema the app owns, e.g. `event_store`. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

export function dataSourceOptions(config: BaseConfig, options: DatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    // No entities: repositories write SQL and select camelCase aliases, so rows arrive in the
    // shape of the domain types (see the sql-fragments helpers for what an alias cannot convert).
    entities: [],
    migrations: options.migrations,
    // Outside the app's schema so the first migration can create the schema itself.
    migrationsTableName: `${options.schema}_migrations`,
    migrationsRun: false,
    synchronize: false,
    applicationName: `evento:${config.INSTANCE_ID}`,
    poolSize: config.DATABASE_POOL_SIZE,
    extra: { connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 },
    logging: ['error', 'migration'],
  };
}

/**
 * The app's TypeORM connection: creates the database when missing, then runs the app's
 * migrations under an advisory lock before anything else can use the connection.
 */
@Module({})
export class DatabaseModule {
  static forApp(options: DatabaseOptions): DynamicModule {
    const logger = new Logger(DatabaseModule.name);
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [BaseConfig],
          useFactory: async (config: BaseConfig) => {
            if (config.DATABASE_CREATE && (await ensureDatabase(config.DATABASE_URL))) {
              logger.log('Created the database');
            }
            return { ...dataSourceOptions(config, options), retryAttempts: 3, retryDelay: 1_000 };
          },
          dataSourceFactory: async (dsOptions) => {
            const dataSource = await new DataSource(dsOptions as DataSourceOptions).initialize();
            const applied = await runMigrationsLocked(dataSource, `evento:migrations:${options.schema}`);
            if (applied.length > 0) logger.log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
            return dataSource;
          },
        }),
      ],
      providers: [DatabasePoolMetrics],
    };
  }
}
