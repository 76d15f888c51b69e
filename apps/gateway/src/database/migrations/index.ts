import { CreateSchemaGateway1763800000000 } from './1763800000000-CreateSchema';
import { CreateServiceRequests1763800000100 } from './1763800000100-CreateServiceRequests';

/** In order of application; a migration, once released, is never edited. */
export const gatewayMigrations = [CreateSchemaGateway1763800000000, CreateServiceRequests1763800000100];
