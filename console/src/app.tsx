// The console's shell: who is signed in, their workspaces, the navigation, and
// the route table (where each page is found).
import { ComponentChildren, createContext } from "preact";
import { useContext, useEffect, useReducer } from "preact/hooks";
import { Client } from "./api/client";
import { getMe } from "./api/endpoints";
import { Me } from "./api/types";
import { Async, useAsync } from "./lib/hooks";
import { Action as Act, Membership, allows } from "./lib/roles";
import { match, navigate, Params, useLocation, Location } from "./lib/router";
import { Cognito } from "./session/cognito";
import { Config } from "./session/config";
import { Session } from "./session/store";
import { Loaded } from "./ui/data";
import { routes, publicRoutes } from "./routes";
import { SignIn } from "./pages/auth";

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
}

const Ctx = createContext<AppState | null>(null);
const ServicesCtx = createContext<Services | null>(null);

export function useServices(): Services {
  const s = useContext(ServicesCtx);
  if (!s) throw new Error("useServices outside the app");
  return s;
}

export function useApp(): AppState {
  const s = useContext(Ctx);
  if (!s) throw new Error("useApp outside a signed-in page");
  return s;
}

export const TENANT = "ws_tenant";

export interface RouteProps {
  params: Params;
  location: Location;
}

export function App({ services }: { services: Services }) {
  const location = useLocation();
  const user = useSessionUser(services.session);
  for (const [pattern, Page] of publicRoutes) {
    const params = match(pattern, location.path);
    if (params) {
      return (
        <ServicesCtx.Provider value={services}>
          <Page params={params} location={location} />
        </ServicesCtx.Provider>
      );
    }
  }
  return (
    <ServicesCtx.Provider value={services}>
      {user ? <SignedIn services={services} location={location} /> : <SignIn params={{}} location={location} />}
    </ServicesCtx.Provider>
  );
}

/** useSessionUser re-renders on sign-in and sign-out. */
function useSessionUser(session: Session) {
  const [, bump] = useReducer((x: number) => x + 1, 0);
  useEffect(() => session.subscribe(() => bump(undefined)), [session]);
  return session.user;
}

function SignedIn({ services, location }: { services: Services; location: Location }) {
  const me = useAsync(() => getMe(services.client), [services.session.user?.id]);
  const memberships = me.data?.memberships ?? [];
  const membership = (ws: string) => memberships.find((m) => m.workspace.id === ws);
  const state: AppState = {
    ...services,
    me,
    membership,
    can: (ws, a) => allows(membership(ws), a),
    tenant: membership(TENANT),
  };
  let page: ComponentChildren = <NotFound />;
  let ws: string | undefined;
  for (const [pattern, Page] of routes) {
    const params = match(pattern, location.path);
    if (params) {
      ws = params.ws;
      // Keyed by path: a page for another workspace or item starts afresh, never with the last one's form state.
      page = <Page key={location.path} params={params} location={location} />;
      break;
    }
  }
  return (
    <Ctx.Provider value={state}>
      <Loaded a={me}>
        {(m) => (
          <Layout me={m} ws={ws ?? lastWorkspace(m)} path={location.path}>
            {page}
          </Layout>
        )}
      </Loaded>
    </Ctx.Provider>
  );
}

const LAST = "mpdp.workspace";

function lastWorkspace(me: Me): string | undefined {
  const last = localStorage.getItem(LAST);
  return me.memberships.find((m) => m.workspace.id === last)?.workspace.id ?? me.memberships[0]?.workspace.id;
}

function Layout({ me, ws, path, children }: { me: Me; ws?: string; path: string; children: ComponentChildren }) {
  const app = useApp();
  const m = ws ? app.membership(ws) : undefined;
  useEffect(() => {
    if (ws && m) localStorage.setItem(LAST, ws);
  }, [ws, m]);
  const base = ws ? `/workspaces/${encodeURIComponent(ws)}` : "";
  const link = (href: string, label: string, show = true) =>
    show && (
      <li key={href}>
        <a href={href} aria-current={path === href || (href !== base && path.startsWith(href + "/")) ? "page" : undefined}>
          {label}
        </a>
      </li>
    );
  const t = app.tenant;
  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href="/">
          Mini Program Platform
        </a>
        {me.memberships.length > 0 && (
          <label class="switcher">
            <span class="sr-only">Workspace</span>
            <select aria-label="Workspace" value={ws} onChange={(e) => navigate(`/workspaces/${encodeURIComponent((e.target as HTMLSelectElement).value)}`)}>
              {me.memberships.map((x) => (
                <option key={x.workspace.id} value={x.workspace.id}>
                  {x.workspace.name} ({x.role})
                </option>
              ))}
            </select>
          </label>
        )}
        <span class="spacer" />
        <a href="/feedback/new">Send feedback</a>
        <span class="who" title={me.userId}>
          {me.email}
        </span>
        <button type="button" onClick={() => (app.session.signOut(), navigate("/signin"))}>
          Sign out
        </button>
      </header>
      <div class="body">
        <nav class="sidebar" aria-label="Main">
          {m && (
            <>
              <h2>{m.workspace.name}</h2>
              {m.status === "blocked" && <p class="notice error small">Your membership of this workspace is blocked.</p>}
              <ul>
                {link(base, "Overview")}
                {link(`${base}/miniprograms`, "Mini programs")}
                {link(`${base}/members`, "Members")}
                {link(`${base}/invitations`, "Invitations", allows(m, "members:manage"))}
                {link(`${base}/testers`, "Testers")}
                {link(`${base}/settings`, "Settings")}
              </ul>
            </>
          )}
          {t && t.status === "active" && (
            <>
              <h2>Platform</h2>
              <ul>
                {link("/approvals", "Approvals", allows(t, "approvals:decide"))}
                {link("/authorizations", "Authorizations", allows(t, "tenant:manage"))}
                {link("/apps", "Host apps and keys")}
                {link("/feedback", "Feedback", allows(t, "tenant:manage"))}
              </ul>
            </>
          )}
          <h2>Catalog</h2>
          <ul>
            {link("/catalog/jsapis", "JSAPIs")}
            {link("/catalog/features", "Features")}
          </ul>
        </nav>
        <main id="main">{children}</main>
      </div>
    </div>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>This page does not exist, or you cannot see it. Pick a workspace or a section on the left.</p>
    </section>
  );
}

/** Home sends a signed-in user to their last workspace, or says how to get one. */
export function Home() {
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
