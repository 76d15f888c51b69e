import { CreateSchemaEventStore1763800000000 } from './1763800000000-CreateSchema';
import { CreateEventLog1763800000100 } from './1763800000100-CreateEventLog';
import { SetBasedAppend1763800000200 } from './1763800000200-SetBasedAppend';
import { LeanAppend1763800000300 } from './1763800000300-LeanAppend';
import { VersionFromLog1763800000400 } from './1763800000400-VersionFromLog';
import { BrinTimeIndex1763800000500 } from './1763800000500-BrinTimeIndex';
import { AppendFunctionsFromSource1763800000600 } from './1763800000600-AppendFunctionsFromSource';

/** In order of application; a migration, once released, is never edited. */
export const eventStoreMigrations = [
  CreateSchemaEventStore1763800000000,
  CreateEventLog1763800000100,
  SetBasedAppend1763800000200,
  LeanAppend1763800000300,
  VersionFromLog1763800000400,
  BrinTimeIndex1763800000500,
  AppendFunctionsFromSource1763800000600,
];
