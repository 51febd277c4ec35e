// What each role may do, the same matrix as shared/domain/roles.go (a Go test
// compares the two). The console hides what a role may not do; the API still
// decides.
import matrix from "./roles.json";

export type Role = "admin" | "reviewer" | "developer";
export type Action = "read" | "workspace:manage" | "members:manage" | "approvals:decide" | "tenant:manage" | "develop";
export type Kind = "tenant" | "developer";

const tenantOnly: Action[] = ["approvals:decide", "tenant:manage"];

export interface Membership {
  workspace: { id: string; name: string; kind: Kind };
  role: Role;
  status: "active" | "blocked";
}

/** allows mirrors domain.Allows. */
export function allows(m: Membership | undefined, a: Action): boolean {
  if (!m || m.status !== "active") return false;
  if (tenantOnly.includes(a) && m.workspace.kind !== "tenant") return false;
  return ((matrix as Record<string, string[]>)[m.role] ?? []).includes(a);
}
