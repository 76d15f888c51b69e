export * from './database.module';
export * from './ensure-database';
export * from './run-migrations';
export * from './sql-fragments';
