import { CreateSchemaTelemetry1763800000000 } from './1763800000000-CreateSchema';
import { CreateRollups1763800000100 } from './1763800000100-CreateRollups';
import { CreateGatewayInstances1763800000200 } from './1763800000200-CreateGatewayInstances';

/** In order of application; a migration, once released, is never edited. */
export const telemetryMigrations = [
  CreateSchemaTelemetry1763800000000,
  CreateRollups1763800000100,
  CreateGatewayInstances1763800000200,
];
