// The console's shell: who is signed in, their workspaces, the navigation
// (a sidebar, behind a menu button on narrow screens), and the route table's
// lookup. Pages read the shell's state through ./context, never this module.
import { ComponentChildren } from "preact";
import { useEffect, useReducer, useState } from "preact/hooks";
import * as api from "./api/endpoints";
import { Me } from "./api/types";
import { AppCtx, AppState, PendingCounts, Services, ServicesCtx, TENANT, useApp } from "./context";
import { useAsync } from "./lib/hooks";
import { allows } from "./lib/roles";
import { match, navigate, Location, useLocation } from "./lib/router";
import { lastWorkspace, rememberWorkspace } from "./lib/workspace";
import { Session } from "./session/store";
import { Loaded } from "./ui/data";
import { useFocusHeading, watchTitle } from "./ui/page";
import { routes, publicRoutes, SignIn, TermsGate } from "./routes";

export function App({ services }: { services: Services }) {
  const location = useLocation();
  const user = useSessionUser(services.session);
  useEffect(() => watchTitle(document.body), []);
  let page: ComponentChildren = null;
  for (const [pattern, Page] of publicRoutes) {
    const params = match(pattern, location.path);
    if (params) {
      page = <Page params={params} location={location} />;
      break;
    }
  }
  if (!page) page = user ? <SignedIn services={services} location={location} /> : <SignIn params={{}} location={location} />;
  return <ServicesCtx.Provider value={services}>{page}</ServicesCtx.Provider>;
}

/** useSessionUser re-renders on sign-in and sign-out. */
function useSessionUser(session: Session) {
  const [, bump] = useReducer((x: number) => x + 1, 0);
  useEffect(() => session.subscribe(() => bump(undefined)), [session]);
  return session.user;
}

/** countPending counts one page of approvals in review by type. */
async function countPending(services: Services): Promise<PendingCounts> {
  const page = await api.listApprovals(services.client, { status: "in_review", limit: 100 });
  const byType: Record<string, number> = {};
  for (const a of page.items) byType[a.type] = (byType[a.type] ?? 0) + 1;
  return { total: page.items.length, byType, more: !!page.nextCursor };
}

function SignedIn({ services, location }: { services: Services; location: Location }) {
  const me = useAsync(() => api.getMe(services.client), [services.session.user?.id]);
  const memberships = me.data?.memberships ?? [];
  const membership = (ws: string) => memberships.find((m) => m.workspace.id === ws);
  const reviewer = allows(membership(TENANT), "approvals:decide");
  const pending = useAsync(() => (reviewer ? countPending(services) : Promise.resolve(null)), [reviewer, location.path]);
  const state: AppState = {
    ...services,
    me,
    membership,
    can: (ws, a) => allows(membership(ws), a),
    tenant: membership(TENANT),
    pending,
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
    <AppCtx.Provider value={state}>
      <Loaded a={me}>
        {(m) =>
          m.terms?.mustAccept ? (
            // A newer version of the terms waits for this user's acceptance before anything else.
            <TermsGate terms={m.terms} onAccepted={me.reload} />
          ) : (
            <Layout me={m} ws={ws ?? lastWorkspace(m)} path={location.path}>
              {page}
            </Layout>
          )
        }
      </Loaded>
    </AppCtx.Provider>
  );
}

/**
 * useBranding is the logo and favicon a workspace's users see: the workspace's
 * own branding, else the platform's (the tenant's). Settings of a workspace
 * the user cannot read (blocked) are not asked for.
 */
function useBranding(ws: string | undefined, readable: boolean) {
  const { client } = useApp();
  const b = useAsync(async () => {
    const urls = async (id: string) => (await api.getSettings(client, id)).brandingUrls ?? {};
    const own = ws && readable ? await urls(ws) : {};
    const platform = ws !== TENANT && (!own.logo || !own.favicon) ? await urls(TENANT) : {};
    return { logo: own.logo ?? platform.logo, favicon: own.favicon ?? platform.favicon };
  }, [ws, readable]);
  const favicon = b.data?.favicon;
  useEffect(() => {
    const link = document.querySelector<HTMLLinkElement>("link[rel='icon']");
    if (link) link.href = favicon ?? "data:,";
  }, [favicon]);
  return b.data?.logo;
}

function Layout({ me, ws, path, children }: { me: Me; ws?: string; path: string; children: ComponentChildren }) {
  const app = useApp();
  const m = ws ? app.membership(ws) : undefined;
  const logo = useBranding(m && ws, m?.status === "active");
  const [menu, setMenu] = useState(false);
  useEffect(() => {
    if (ws && m) rememberWorkspace(ws);
  }, [ws, m]);
  useEffect(() => setMenu(false), [path]);
  useFocusHeading(path);
  const base = ws ? `/workspaces/${encodeURIComponent(ws)}` : "";
  const link = (href: string, label: ComponentChildren, show = true) =>
    show && (
      <li key={href}>
        <a href={href} aria-current={path === href || (href !== base && path.startsWith(href + "/")) ? "page" : undefined}>
          {label}
        </a>
      </li>
    );
  const t = app.tenant;
  const waiting = app.pending.data?.total ?? 0;
  return (
    <div class={"shell" + (menu ? " menu-open" : "")}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <button type="button" class="menu-button" aria-expanded={menu} aria-controls="sidebar" onClick={() => setMenu(!menu)}>
          {menu ? "Close menu" : "Menu"}
        </button>
        <a class="brand" href="/">
          {logo && <img class="brand-logo" src={logo} alt="" width={28} height={28} />}
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
        <a class="topbar-link" href="/feedback/new">
          Send feedback
        </a>
        <span class="who" title={me.userId}>
          {me.email}
        </span>
        <button type="button" onClick={() => (app.session.signOut(), navigate("/signin"))}>
          Sign out
        </button>
      </header>
      <div class="body">
        <nav class="sidebar" id="sidebar" aria-label="Main">
          {m && (
            <>
              <h2>{m.workspace.name}</h2>
              {m.status === "blocked" && <p class="notice error small">Your membership of this workspace is blocked.</p>}
              <ul>
                {link(base, "Home")}
                {/* The tenant reviews and operates: its own mini programs and testers are not its work. */}
                {link(`${base}/miniprograms`, "Mini programs", ws !== TENANT)}
                {link(`${base}/members`, "Members")}
                {link(`${base}/invitations`, "Invitations", allows(m, "members:manage"))}
                {link(`${base}/testers`, "Testers", ws !== TENANT)}
                {link(`${base}/settings`, "Settings")}
              </ul>
            </>
          )}
          {t && t.status === "active" && (
            <>
              <h2>Platform</h2>
              <ul>
                {link(
                  "/approvals",
                  <>
                    Approvals
                    {waiting > 0 && (
                      <span class="count">
                        {waiting}
                        {app.pending.data?.more ? "+" : ""}
                        <span class="sr-only"> waiting</span>
                      </span>
                    )}
                  </>,
                  allows(t, "approvals:decide"),
                )}
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
          {/* On a phone the header keeps to the menu, the name and Sign out: feedback is here. */}
          <ul class="phone-only">{link("/feedback/new", "Send feedback")}</ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>This page does not exist, or you cannot see it. Pick a workspace or a section in the navigation.</p>
    </section>
  );
}
