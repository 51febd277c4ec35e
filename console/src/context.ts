// What every page reads from the shell: the services (API client, session,
// Cognito), who is signed in and what their roles allow. Its own module, so
// pages depend on it and never on the shell or on each other.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { Client } from "./api/client";
import { Me } from "./api/types";
import { Async } from "./lib/hooks";
import { Action as Act, Membership } from "./lib/roles";
import { Location, Params } from "./lib/router";
import { Cognito } from "./session/cognito";
import { Config } from "./session/config";
import { Session } from "./session/store";

export interface Services {
  config: Config;
  client: Client;
  session: Session;
  cognito: Cognito;
}

export interface AppState extends Services {
  me: Async<Me>;
  membership: (ws: string) => Membership | undefined;
  can: (ws: string, a: Act) => boolean;
  tenant: Membership | undefined;
  /** pending counts the approvals in review (tenant reviewers only); reload after a decision. */
  pending: Async<PendingCounts | null>;
}

/** PendingCounts is how many approvals wait, in all and by type (more is true past the first page). */
export interface PendingCounts {
  total: number;
  byType: Record<string, number>;
  more: boolean;
}

export const AppCtx = createContext<AppState | null>(null);
export const ServicesCtx = createContext<Services | null>(null);

export function useServices(): Services {
  const s = useContext(ServicesCtx);
  if (!s) throw new Error("useServices outside the app");
  return s;
}

export function useApp(): AppState {
  const s = useContext(AppCtx);
  if (!s) throw new Error("useApp outside a signed-in page");
  return s;
}

export const TENANT = "ws_tenant";

export interface RouteProps {
  params: Params;
  location: Location;
}
