// Home pages: "/" opens the last workspace (or says how to get one).
import { useEffect } from "preact/hooks";
import { RouteProps, useApp } from "../context";
import { navigate } from "../lib/router";
import { lastWorkspace } from "../lib/workspace";

/** Start sends a signed-in user to their last workspace, or says how to get one. */
export function Start(_: RouteProps) {
  const app = useApp();
  const me = app.me.data!;
  const ws = lastWorkspace(me);
  useEffect(() => {
    if (ws) navigate(`/workspaces/${encodeURIComponent(ws)}`, { replace: true });
  }, [ws]);
  if (ws) return null;
  return (
    <section class="empty">
      <h1>No workspace yet</h1>
      <p>
        You are not a member of any workspace. Ask a workspace admin to invite you, or <a href="/apply">apply for a developer account</a>.
      </p>
    </section>
  );
}
