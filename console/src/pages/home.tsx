// Home pages: "/" opens the last workspace; a developer workspace's home says
// what to do next and how its mini programs stand; the tenant's home shows
// what waits for review, recent decisions and the platform's totals.
import { useEffect } from "preact/hooks";
import * as api from "../api/endpoints";
import { Approval, MiniProgram, Release, Workspace } from "../api/types";
import { RouteProps, TENANT, useApp } from "../context";
import { useAsync } from "../lib/hooks";
import { navigate, path } from "../lib/router";
import { nextStep, steps } from "../lib/steps";
import { lastWorkspace } from "../lib/workspace";
import { Live, mpBase } from "../parts/miniprogram";
import { WorkspaceInfo } from "../parts/workspaceinfo";
import { Badge, Empty, Header, Loaded, Table, When } from "../ui/data";

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

/** WorkspaceHome is a workspace's first page. */
export function WorkspaceHome({ params }: RouteProps) {
  const { client } = useApp();
  const ws = useAsync(() => api.getWorkspace(client, params.ws), [params.ws]);
  return (
    <Loaded a={ws}>
      {(w) => (
        <section>
          <Header title={w.name} sub={w.kind === "tenant" ? "The platform operator's workspace" : "Developer workspace"}>
            {w.authorization && <Badge value={w.authorization === "active" ? "authorized" : "revoked"} />}
          </Header>
          {w.authorization === "revoked" && (
            <p class="notice error">The platform revoked this workspace's authorization: you can read everything, but not upload or launch.</p>
          )}
          {w.kind === "tenant" ? <TenantOverview /> : <DeveloperOverview w={w} />}
          <WorkspaceInfo w={w} onSaved={ws.set} />
        </section>
      )}
    </Loaded>
  );
}

/** How many mini programs the home looks at closely (a release and launches in review each). */
const closely = 10;

interface MiniProgramState {
  mp: MiniProgram;
  release?: Release;
  inReview: string[];
}

function DeveloperOverview({ w }: { w: Workspace }) {
  const { client, can } = useApp();
  const admin = can(w.id, "members:manage");
  const data = useAsync(async () => {
    const [mps, members, invitations, testers] = await Promise.all([
      api.listMiniPrograms(client, w.id, { limit: 50 }),
      api.listMembers(client, w.id, { limit: 2 }),
      admin ? api.listInvitations(client, w.id, { limit: 1 }) : Promise.resolve({ items: [] }),
      api.getTesters(client, w.id),
    ]);
    const states: MiniProgramState[] = await Promise.all(
      mps.items.slice(0, closely).map(async (mp) => {
        const [release, review] = await Promise.all([
          api.getRelease(client, w.id, mp.id).catch(() => undefined),
          api.listLaunches(client, w.id, mp.id, { status: "in_review", limit: 5 }),
        ]);
        return { mp, release, inReview: review.items.map((l) => l.version) };
      }),
    );
    return { mps, states, members: members.items.length, invitations: invitations.items.length, testers: testers.items.length };
  }, [w.id]);
  return (
    <Loaded a={data}>
      {(d) => {
        const s = steps({
          miniPrograms: d.mps.items.length,
          uploaded: d.mps.items.some((m) => !!m.latestVersion),
          invited: d.members > 1 || d.invitations > 0,
          testers: d.testers,
          released: d.states.some((x) => !!x.release?.version),
        });
        const next = nextStep(s);
        const first = d.mps.items[0];
        const links: Record<string, string> = {
          create: path("workspaces", w.id, "miniprograms", "new"),
          upload: first ? mpBase(w.id, first.id) : path("workspaces", w.id, "miniprograms"),
          invite: path("workspaces", w.id, admin ? "invitations" : "members"),
          testers: path("workspaces", w.id, "testers"),
          launch: first ? mpBase(w.id, first.id) + "/launches/new" : path("workspaces", w.id, "miniprograms"),
        };
        const done = s.filter((x) => x.done).length;
        const pending = d.states.flatMap((x) => x.inReview.map((v) => ({ mp: x.mp, version: v })));
        return (
          <>
            {next && (
              <div class="panel getting-started">
                <h2>Getting started</h2>
                <p>
                  <progress max={s.length} value={done} aria-label="Steps done" /> {done} of {s.length} steps done. Next: <strong>{next.title.toLowerCase()}</strong>.
                </p>
                <ol class="steps" aria-label="First steps">
                  {s.map((x) => (
                    <li key={x.key} class={x.done ? "done" : x === next ? "next" : ""}>
                      <span class="mark" aria-hidden="true">{x.done ? "✓" : ""}</span>
                      <span>
                        {x.done ? (
                          <>
                            {x.title} <span class="sr-only">(done)</span>
                          </>
                        ) : (
                          <a href={links[x.key]}>{x.title}</a>
                        )}
                        <span class="hint"> {x.detail}</span>
                      </span>
                    </li>
                  ))}
                </ol>
              </div>
            )}
            <h2>Mini programs</h2>
            {d.mps.items.length === 0 ? (
              <Empty>
                No mini programs yet. <a href={links.create}>Create the first one</a>.
              </Empty>
            ) : (
              <Table<MiniProgramState>
                label="Mini programs and their releases"
                rows={d.states}
                rowKey={(x) => x.mp.id}
                columns={[
                  { title: "Name", cell: (x) => <a href={mpBase(w.id, x.mp.id)}>{x.mp.name}</a> },
                  { title: "Live", cell: (x) => <Live r={x.release} /> },
                  { title: "Latest upload", cell: (x) => x.mp.latestVersion ?? <span class="muted">none</span> },
                  { title: "In review", cell: (x) => (x.inReview.length ? x.inReview.join(", ") : <span class="muted">—</span>) },
                ]}
              />
            )}
            {d.mps.items.length > closely && (
              <p class="hint">
                The first {closely} of {d.mps.nextCursor ? "more than " : ""}
                {d.mps.items.length}: <a href={path("workspaces", w.id, "miniprograms")}>see them all</a>.
              </p>
            )}
            <h2>Waiting for review</h2>
            {pending.length === 0 ? (
              <p class="muted">Nothing of yours waits for a platform reviewer.</p>
            ) : (
              <ul class="list" aria-label="Waiting for review">
                {pending.map((p) => (
                  <li key={p.mp.id + p.version}>
                    <Badge value="in_review" /> <a href={mpBase(w.id, p.mp.id) + "/launches"}>Launch of {p.mp.name} {p.version}</a>
                  </li>
                ))}
              </ul>
            )}
          </>
        );
      }}
    </Loaded>
  );
}

const typeNames: Record<string, string> = {
  launch: "Launches",
  online: "Online requests",
  offline: "Offline requests",
  "workspace.create": "Developer account applications",
  "feature.activate": "Feature activations",
  "authorization.regrant": "Authorizations to grant again",
};

function TenantOverview() {
  const { client, can, pending } = useApp();
  const reviewer = can(TENANT, "approvals:decide");
  const manage = can(TENANT, "tenant:manage");
  const data = useAsync(async () => {
    const count = async <T,>(p: Promise<{ items: T[]; nextCursor?: string }>) => {
      const page = await p;
      return `${page.items.length}${page.nextCursor ? "+" : ""}`;
    };
    const [approved, rejected, workspaces, apps, features] = await Promise.all([
      reviewer ? api.listApprovals(client, { status: "approved", limit: 5 }) : Promise.resolve({ items: [] as Approval[] }),
      reviewer ? api.listApprovals(client, { status: "rejected", limit: 5 }) : Promise.resolve({ items: [] as Approval[] }),
      manage ? count(api.listAuthorizations(client, { limit: 100 })) : Promise.resolve(""),
      count(api.listApps(client, { limit: 100 })),
      count(api.listFeatures(client, { limit: 100 })),
    ]);
    const decisions = [...approved.items, ...rejected.items].sort((a, b) => (b.decidedAt ?? "").localeCompare(a.decidedAt ?? "")).slice(0, 6);
    return { decisions, workspaces, apps, features };
  }, [reviewer, manage]);
  const counts = pending.data;
  return (
    <>
      {reviewer && (
        <>
          <h2>Waiting for your decision</h2>
          {!counts || counts.total === 0 ? (
            <p class="muted">Nothing waits for a decision.</p>
          ) : (
            <ul class="kpis" aria-label="Waiting for your decision">
              {Object.entries(counts.byType).map(([t, n]) => (
                <li key={t}>
                  <a href={`/approvals?type=${encodeURIComponent(t)}&status=in_review`}>
                    <strong>{n}</strong> {typeNames[t] ?? t}
                  </a>
                </li>
              ))}
              <li>
                <a href="/approvals">
                  <strong>
                    {counts.total}
                    {counts.more ? "+" : ""}
                  </strong>{" "}
                  in all, oldest first
                </a>
              </li>
            </ul>
          )}
        </>
      )}
      <Loaded a={data}>
        {(d) => (
          <>
            <h2>Platform</h2>
            <ul class="kpis" aria-label="Platform totals">
              {manage && (
                <li>
                  <a href="/authorizations">
                    <strong>{d.workspaces}</strong> authorizations
                  </a>
                </li>
              )}
              <li>
                <a href="/apps">
                  <strong>{d.apps}</strong> host apps
                </a>
              </li>
              <li>
                <a href="/catalog/features">
                  <strong>{d.features}</strong> features
                </a>
              </li>
            </ul>
            {reviewer && (
              <>
                <h2>Recent decisions</h2>
                {d.decisions.length === 0 ? (
                  <p class="muted">No decisions yet.</p>
                ) : (
                  <Table<Approval>
                    label="Recent decisions"
                    rows={d.decisions}
                    rowKey={(a) => a.id}
                    columns={[
                      { title: "Request", cell: (a) => <a href={path("approvals", a.id)}>{a.title}</a> },
                      { title: "Decision", cell: (a) => <Badge value={a.status} /> },
                      { title: "Decided", cell: (a) => <When at={a.decidedAt} /> },
                    ]}
                  />
                )}
              </>
            )}
          </>
        )}
      </Loaded>
    </>
  );
}
