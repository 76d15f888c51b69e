import { CreateSchemaScaler1763800000000 } from './1763800000000-CreateSchema';
import { CreatePoliciesSignalsDecisions1763800000100 } from './1763800000100-CreatePoliciesSignalsDecisions';
import { AddPolicyRules1763800000200 } from './1763800000200-AddPolicyRules';

/** In order of application; a migration, once released, is never edited. */
export const scalerMigrations = [
  CreateSchemaScaler1763800000000,
  CreatePoliciesSignalsDecisions1763800000100,
  AddPolicyRules1763800000200,
];
