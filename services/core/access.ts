/**
 * Who may do what: the roles of people and the principals that act on the system. Defined once;
 * the API's route declarations, the user store, the audit trail and the console derive from it.
 */

/** People's roles. An operator is bound to lanes; the other roles see every lane. */
export const ROLES = ['operator', 'inspector', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a route can be opened to: a person's role, or `ingest` — an API key of a scanner or an
 * integration, scoped to lanes, that may only deliver scans.
 */
export const PRINCIPAL_ROLES = [...ROLES, 'ingest'] as const;
export type PrincipalRole = (typeof PRINCIPAL_ROLES)[number];

export const ACTOR_KINDS = ['user', 'api_key', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** Whoever did something: a logged-in user, an API key, or one of the system's own roles. */
export interface Actor {
  kind: ActorKind;
  /** User id, API key id, or the system role ("adapter", "worker", "api", "cli"). */
  id: string;
  /** Username, key label or system role name, for people reading the audit trail. */
  name: string;
  /** null for system actors. */
  role: PrincipalRole | null;
  /** Lanes the actor is bound to; null means every lane. */
  lanes: string[] | null;
}

export function systemActor(name: 'adapter' | 'worker' | 'api' | 'cli'): Actor {
  return { kind: 'system', id: name, name, role: null, lanes: null };
}

/** True when the actor may see scans of this lane. */
export function mayAccessLane(actor: Actor, laneId: string): boolean {
  return actor.lanes === null || actor.lanes.includes(laneId);
}
