import { CreateSchemaEventStore1763800000000 } from './1763800000000-CreateSchema';
import { CreateEventLog1763800000100 } from './1763800000100-CreateEventLog';

/** In order of application; a migration, once released, is never edited. */
export const eventStoreMigrations = [CreateSchemaEventStore1763800000000, CreateEventLog1763800000100];
