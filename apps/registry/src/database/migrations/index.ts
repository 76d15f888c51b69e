import { CreateSchemaRegistry1763800000000 } from './1763800000000-CreateSchema';
import { CreateCatalogAndInstances1763800000100 } from './1763800000100-CreateCatalogAndInstances';
import { CreateConsumersConfigurationAndVersions1763800000200 } from './1763800000200-CreateConsumersConfigurationAndVersions';
import { AddAggregateIdProperty1763800000350 } from './1763800000350-AddAggregateIdProperty';
import { AddPayloadOwnership1763800000400 } from './1763800000400-AddPayloadOwnership';

/** In order of application; a migration, once released, is never edited. */
export const registryMigrations = [
  CreateSchemaRegistry1763800000000,
  CreateCatalogAndInstances1763800000100,
  CreateConsumersConfigurationAndVersions1763800000200,
  AddAggregateIdProperty1763800000350,
  AddPayloadOwnership1763800000400,
];
