/**
 * What an operator may do over HTTP, lowest first: each role includes every role before it.
 * - `viewer` reads everything but secrets;
 * - `operator` also administers consumers, scaling policies and bundle configuration, and
 *   sends commands and events;
 * - `admin` also deletes data, manages credentials and approves.
 */
export const OPERATOR_ROLES = ['viewer', 'operator', 'admin'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

export function isOperatorRole(value: unknown): value is OperatorRole {
  return typeof value === 'string' && (OPERATOR_ROLES as readonly string[]).includes(value);
}

/** Whether an operator holding `held` may run an operation that requires `required`. */
export function roleAllows(held: OperatorRole, required: OperatorRole): boolean {
  return OPERATOR_ROLES.indexOf(held) >= OPERATOR_ROLES.indexOf(required);
}

/** The highest of some roles, or undefined when there is none. */
export function highestRole(roles: Iterable<OperatorRole>): OperatorRole | undefined {
  let highest: OperatorRole | undefined;
  for (const role of roles) if (!highest || roleAllows(role, highest)) highest = role;
  return highest;
}

/** Who sent an HTTP request, as the operator authentication established it. */
export interface OperatorPrincipal {
  /** The static token's name, or the token subject's name; logged, never secret. */
  readonly name: string;
  /** Undefined for a verified token that carries none of our roles: authenticated, allowed nothing. */
  readonly role?: OperatorRole;
  /** How the credential was checked: a static token, an OIDC/JWT token, or none (no credentials configured). */
  readonly via: 'static' | 'oidc' | 'open';
}
