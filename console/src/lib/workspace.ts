// The workspace a user last worked in, remembered across visits.
import { Me } from "../api/types";

const LAST = "mpdp.workspace";

/** lastWorkspace is the workspace last opened, if still a membership, else the first one. */
export function lastWorkspace(me: Me): string | undefined {
  const last = localStorage.getItem(LAST);
  return me.memberships.find((m) => m.workspace.id === last)?.workspace.id ?? me.memberships[0]?.workspace.id;
}

export function rememberWorkspace(ws: string) {
  localStorage.setItem(LAST, ws);
}
