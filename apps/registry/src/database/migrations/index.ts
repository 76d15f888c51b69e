import { CreateSchemaRegistry1763800000000 } from './1763800000000-CreateSchema';

/** In order of application; a migration, once released, is never edited. */
export const registryMigrations = [CreateSchemaRegistry1763800000000];
