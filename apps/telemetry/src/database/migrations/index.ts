import { CreateSchemaTelemetry1763800000000 } from './1763800000000-CreateSchema';
import { CreateRollups1763800000100 } from './1763800000100-CreateRollups';

/** In order of application; a migration, once released, is never edited. */
export const telemetryMigrations = [CreateSchemaTelemetry1763800000000, CreateRollups1763800000100];
