// Launches: new launch, the list, and the detail with its timeline and the
// rollout's controls; rollback and offline/online for the mini program.
import { useEffect, useState } from "preact/hooks";
import { newIdempotencyKey } from "../api/client";
import * as api from "../api/endpoints";
import { Launch, LaunchStatus, Release, Strategy } from "../api/types";
import { RouteProps, useApp } from "../context";
import { Async, useAsync, usePaged } from "../lib/hooks";
import { actionsFor, describeInterval, localToISO, parseSteps, pollDelay, terminal, Unit, units } from "../lib/launch";
import { navigate, path } from "../lib/router";
import { Action, Form, Select, TextArea, TextField } from "../ui/form";
import { Badge, Empty, Loaded, PagedTable, When } from "../ui/data";
import { MiniProgramFrame, mpBase } from "../parts/miniprogram";
import { VersionQuality } from "../parts/quality";
import { lastDays } from "../lib/range";

const strategies: [Strategy, string][] = [
  ["full", "Full: everyone at once"],
  ["phased", "Staged: a growing share of users"],
  ["testers", "Testers only"],
];

const statuses: [string, string][] = [["", "All statuses"], ...(["in_review", "scheduled", "rolling_out", "paused", "completed", "rejected", "withdrawn", "expired", "failed"] as const).map((s): [string, string] => [s, s.replace("_", " ")])];

export function Launches({ params }: RouteProps) {
  const { client, can } = useApp();
  const [status, setStatus] = useState("");
  const paged = usePaged((cursor) => api.listLaunches(client, params.ws, params.mp, { cursor, limit: 20, status: (status || undefined) as LaunchStatus | undefined }), [params.ws, params.mp, status]);
  const base = mpBase(params.ws, params.mp);
  const develop = can(params.ws, "develop");
  const release = useAsync(() => api.getRelease(client, params.ws, params.mp), [params.ws, params.mp]);
  const live = release.data?.offline ? undefined : release.data?.version;
  return (
    <MiniProgramFrame ws={params.ws} mp={params.mp} current={base + "/launches"}>
      {(_, __, frame) => (
        <>
          <div class="filters">
            <Select label="Status" name="status" value={status} onChange={setStatus} options={statuses} />
            <span class="spacer" />
            {develop && (
              <a class="button primary" href={base + "/launches/new"}>
                New launch
              </a>
            )}
          </div>
          <PagedTable<Launch>
            paged={paged}
            label="Launches"
            rowKey={(l) => l.id}
            empty={develop ? "No launches yet. Upload a package, then launch a ready version." : "No launches yet."}
            columns={[
              { title: "Version", cell: (l) => <a href={`${base}/launches/${encodeURIComponent(l.id)}`}>{l.version}</a> },
              { title: "Strategy", cell: (l) => l.strategy },
              { title: "Status", cell: (l) => <Badge value={l.status} /> },
              {
                title: "Users",
                // A completed launch whose version is no longer served reads so, not "100 %".
                cell: (l) => (l.status === "completed" && live && live !== l.version ? <span class="muted">replaced by {live}</span> : `${l.percentage}%`),
              },
              { title: "Requested", cell: (l) => <When at={l.createdAt} /> },
            ]}
          />
          <ReleaseControls ws={params.ws} mp={params.mp} develop={develop} release={release} onChange={frame.refresh} />
        </>
      )}
    </MiniProgramFrame>
  );
}

/** ReleaseControls shows what the mini program serves, and lets developers roll back to an earlier release, take it offline or bring it back. */
function ReleaseControls({ ws, mp, develop, release, onChange }: { ws: string; mp: string; develop: boolean; release: Async<Release>; onChange: () => void }) {
  const { client } = useApp();
  const [version, setVersion] = useState("");
  const [reason, setReason] = useState("");
  const [done, setDone] = useState("");
  return (
    <div class="panel">
      <h2>Release</h2>
      <Loaded a={release}>
        {(r) => {
          const earlier = r.history.filter((v) => v !== r.version);
          // The choice may be the live version after a rollback: fall back to the newest earlier one.
          const chosen = earlier.includes(version) ? version : earlier[0];
          return (
            <>
              <p data-testid="release">
                {r.offline ? (
                  <>
                    <Badge value="offline" /> Users cannot open this mini program.
                  </>
                ) : r.version ? (
                  <>
                    Live: <strong>{r.version}</strong> to {r.percentage}% of users ({r.strategy})
                    {r.percentage < 100 && r.previousVersion && <>, the others on {r.previousVersion}</>}
                    {r.testersVersion && <>; testers get {r.testersVersion}</>}.
                  </>
                ) : (
                  <>Not released yet. {develop && "Launch a ready version; a platform reviewer approves it."}</>
                )}
              </p>
              {done && (
                <p class="notice ok" role="status">
                  {done}
                </p>
              )}
              {develop && earlier.length > 0 && (
                <Form
                  class="inline"
                  submit="Roll back"
                  danger
                  fields={["version"]}
                  confirm={() => `Roll back to ${chosen}? Every user gets ${chosen} at once${r.version ? ` instead of ${r.version}` : ""}, without review.`}
                  onSubmit={async () => {
                    release.set(await api.rollback(client, ws, mp, chosen));
                    onChange();
                    setDone(`Rolled back to ${chosen}: everyone gets it now.`);
                  }}
                >
                  <Select label="Earlier version" name="version" value={chosen} onChange={setVersion} options={earlier.map((v) => [v, v])} hint="One of the last 5 releases." />
                </Form>
              )}
              {develop && r.version && (
                <Form
                  class="inline"
                  submit={r.offline ? "Request online" : "Request offline"}
                  danger={!r.offline}
                  fields={["reason"]}
                  check={() => ({ reason: !reason.trim() && (r.offline ? "Say why it should come back online: the reviewer reads it." : "Say why it should go offline: the reviewer reads it.") })}
                  confirm={() =>
                    r.offline
                      ? `Ask a platform reviewer to bring it back online? Once approved, users can open ${r.version} again.`
                      : "Ask a platform reviewer to take it offline? Once approved, no user can open this mini program until it is brought back online."
                  }
                  onSubmit={async () => {
                    const a = await (r.offline ? api.requestOnline : api.requestOffline)(client, ws, mp, { reason: reason.trim() });
                    setReason("");
                    setDone(`${r.offline ? "Online" : "Offline"} requested: approval ${a.id} is in review.`);
                  }}
                >
                  <TextField label={r.offline ? "Why bring it back online" : "Why take it offline"} name="reason" value={reason} onInput={setReason} hint="Required. The platform reviewer reads it." />
                </Form>
              )}
            </>
          );
        }}
      </Loaded>
    </div>
  );
}

export function NewLaunch({ params, location }: RouteProps) {
  const { client } = useApp();
  const versions = useAsync(() => api.listVersions(client, params.ws, params.mp, { limit: 50 }), [params.ws, params.mp]);
  const [version, setVersion] = useState(location.query.get("version") ?? "");
  const [strategy, setStrategy] = useState<Strategy>("full");
  const [steps, setSteps] = useState("10, 50, 100");
  const [interval, setInterval] = useState("1");
  const [unit, setUnit] = useState<Unit>("days");
  const [releaseAt, setReleaseAt] = useState("");
  const [note, setNote] = useState("");
  const [key] = useState(newIdempotencyKey);
  const base = mpBase(params.ws, params.mp);
  return (
    <MiniProgramFrame ws={params.ws} mp={params.mp} current={base + "/launches"}>
      {() => (
        <Loaded a={versions}>
          {(vs) => {
            const ready = vs.items.filter((v) => v.status === "ready");
            if (ready.length === 0) return <Empty>No version is ready to launch. Upload a package first; it is ready once its validation passes.</Empty>;
            const chosen = version || ready[0].version;
            return (
              <Form
                submit="Submit for review"
                fields={["version", "strategy", "steps", "intervalSeconds", "releaseAt", "note"]}
                // Every problem at once, beside its field, before anything is sent.
                check={() => {
                  if (strategy !== "phased") return {};
                  const s = parseSteps(steps);
                  const upper = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);
                  return {
                    steps: typeof s === "string" && upper(s) + ".",
                    intervalSeconds: !(Number(interval) > 0) && "Enter how long to wait between steps, a number above 0.",
                  };
                }}
                onSubmit={async () => {
                  let phased = {};
                  if (strategy === "phased") {
                    phased = { steps: parseSteps(steps) as number[], intervalSeconds: Math.round(Number(interval) * units[unit]) };
                  }
                  const at = localToISO(releaseAt);
                  const l = await api.createLaunch(client, params.ws, params.mp, { version: chosen, strategy, ...phased, releaseAt: at || undefined, note: note || undefined }, key);
                  navigate(`${base}/launches/${encodeURIComponent(l.id)}`);
                }}
              >
                <h2>New launch</h2>
                <Select label="Version" name="version" value={chosen} onChange={setVersion} options={ready.map((v) => [v.version, v.version])} />
                <Select label="Strategy" name="strategy" value={strategy} onChange={(v) => setStrategy(v as Strategy)} options={strategies} />
                {strategy === "phased" && (
                  <div class="row">
                    <TextField label="Steps (% of users)" name="steps" value={steps} onInput={setSteps} hint="Rising percentages ending at 100." />
                    <TextField label="Interval between steps" name="intervalSeconds" type="number" value={interval} onInput={setInterval} />
                    <Select label="Unit" name="unit" value={unit} onChange={(v) => setUnit(v as Unit)} options={Object.keys(units).map((u) => [u, u])} />
                  </div>
                )}
                <TextField label="Release time (optional)" name="releaseAt" type="datetime-local" value={releaseAt} onInput={setReleaseAt} hint="Empty releases as soon as the launch is approved. Your local time." />
                <TextArea label="Note for reviewers" name="note" value={note} onInput={setNote} />
              </Form>
            );
          }}
        </Loaded>
      )}
    </MiniProgramFrame>
  );
}

/** who names the person behind a timeline entry in words: "you", a member by email, the reviewer of an approval or a rejection, or someone who left. */
export function who(by: string, status: string, me: string | undefined, members: Map<string, string>): string {
  if (by === me) return "you";
  return members.get(by) ?? (status === "rejected" || status === "approved" ? "a platform reviewer" : "a former member");
}

export function LaunchDetail({ params }: RouteProps) {
  const { client, can, me } = useApp();
  const members = useAsync(async () => new Map((await api.listMembers(client, params.ws, { limit: 100 })).items.map((m) => [m.userId, m.email])), [params.ws]);
  const l = useAsync(() => api.getLaunch(client, params.ws, params.mp, params.launch), [params.ws, params.mp, params.launch]);
  const [pct, setPct] = useState("");
  const base = mpBase(params.ws, params.mp);
  // A launch moves on its own (review, schedule, rollout steps): look again until it ends, often
  // right after it changed, seldom when it has been quiet (a rollout step may be days away).
  useEffect(() => {
    if (!l.data || terminal.includes(l.data.status)) return;
    const t = setTimeout(l.reload, pollDelay(Date.now() - Date.parse(l.data.updatedAt), document.hidden));
    return () => clearTimeout(t);
  }, [l.data]);
  return (
    <MiniProgramFrame ws={params.ws} mp={params.mp} current={base + "/launches"}>
      {() => (
        <Loaded a={l}>
          {(x) => {
            const act = actionsFor(x.status, x.strategy, can(params.ws, "develop"), can(params.ws, "workspace:manage"));
            const reload = () => l.reload();
            return (
              <>
                <h2>
                  Launch of {x.version} <Badge value={x.status} />
                </h2>
                <dl class="facts">
                  <dt>Strategy</dt>
                  <dd>
                    {x.strategy}
                    {x.steps && ` (${x.steps.join("% → ")}%, every ${describeInterval(x.intervalSeconds ?? 0)})`}
                  </dd>
                  <dt>Users on this version</dt>
                  <dd>
                    <progress max={100} value={x.percentage} aria-label="Rollout" /> <strong data-testid="percentage">{x.percentage}%</strong>
                  </dd>
                  {x.releaseAt && (
                    <>
                      <dt>Release time</dt>
                      <dd>
                        <When at={x.releaseAt} />
                      </dd>
                    </>
                  )}
                  <dt>Review</dt>
                  <dd>
                    <a href={path("approvals", x.approvalId)}>{x.approval ? x.approval.status.replace("_", " ") : "approval"}</a>
                    {x.approval?.reason && <> — “{x.approval.reason}”</>}
                  </dd>
                  {x.endReason && (
                    <>
                      <dt>Ended</dt>
                      <dd>{x.endReason}</dd>
                    </>
                  )}
                </dl>
                <section aria-label={`Crash figures of ${x.version}`}>
                  <h3>Crash figures of {x.version}, last 7 days</h3>
                  <VersionQuality ws={params.ws} mp={params.mp} range={lastDays(7)} only={x.version} />
                </section>
                <div class="actions">
                  {act.withdraw && <Action label="Withdraw" confirm="Withdraw this launch from review?" run={() => api.withdrawLaunch(client, params.ws, params.mp, x.id).then(reload)} />}
                  {act.pause && <Action label="Pause rollout" run={() => api.pauseLaunch(client, params.ws, params.mp, x.id).then(reload)} />}
                  {act.resume && <Action label="Resume rollout" kind="primary" run={() => api.resumeLaunch(client, params.ws, params.mp, x.id).then(reload)} />}
                </div>
                {act.percentage && x.percentage < 100 && (
                  <Form
                    class="inline"
                    submit="Set percentage"
                    fields={["percentage"]}
                    check={() => {
                      const n = Number(pct);
                      return { percentage: !(Number.isInteger(n) && n > x.percentage && n <= 100) && `Enter a whole number above ${x.percentage} and at most 100.` };
                    }}
                    confirm={() => `Raise ${x.version} from ${x.percentage}% to ${Number(pct)}% of users? The share can only be raised, never lowered.`}
                    onSubmit={async () => (await api.setLaunchPercentage(client, params.ws, params.mp, x.id, Number(pct)), setPct(""), reload())}
                  >
                    <TextField label="Raise to (%)" name="percentage" type="number" value={pct} onInput={setPct} hint={`Higher than ${x.percentage}; admins only.`} />
                  </Form>
                )}
                <h3>Timeline</h3>
                <ol class="timeline" aria-label="Timeline">
                  {x.timeline.map((e, i) => (
                    <li key={i}>
                      <Badge value={e.status} /> <When at={e.at} /> {e.by && <span class="muted">by {who(e.by, e.status, me.data?.userId, members.data ?? new Map())}</span>} {e.note && <span>— {e.note}</span>}
                    </li>
                  ))}
                </ol>
              </>
            );
          }}
        </Loaded>
      )}
    </MiniProgramFrame>
  );
}
