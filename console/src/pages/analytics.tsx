// Analytics (a chart per metric and version over a range) and quality (crash
// groups by impact, each with a daily chart, samples and its status).
import { useState } from "preact/hooks";
import * as api from "../api/endpoints";
import { CrashGroup, CrashStatus, Metric } from "../api/types";
import { RouteProps, useApp } from "../context";
import { Series } from "../lib/chart";
import { etag } from "../lib/etag";
import { useAsync } from "../lib/hooks";
import { checkRange, fillDays, lastDays, previousRange } from "../lib/range";
import { axisTick, change, formatMetric } from "../lib/format";
import { Action, Select, TextField } from "../ui/form";
import { Badge, Empty, Loaded, Table, When } from "../ui/data";
import { LineChart } from "../ui/chart";
import { MiniProgramFrame, mpBase } from "../parts/miniprogram";

const metrics: [Metric, string][] = [
  ["pageViews", "Page views"],
  ["uniqueVisitors", "Unique visitors"],
  ["newVisitors", "New visitors"],
  ["sessions", "Sessions"],
  ["avgSessionMs", "Average session"],
  ["visitDepth", "Pages per session"],
];

/** Kpis shows every metric's total for the range, with the change against the period before; a card picks the chart's metric. */
function Kpis({ ws, mp, range, metric, pick }: { ws: string; mp: string; range: { from: string; to: string }; metric: Metric; pick: (m: Metric) => void }) {
  const { client } = useApp();
  const before = previousRange(range.from, range.to);
  const data = useAsync(
    () =>
      Promise.all(
        metrics.map(async ([m]) => {
          const [now, then] = await Promise.all([api.getAnalytics(client, ws, mp, { ...range, metric: m }), api.getAnalytics(client, ws, mp, { ...before, metric: m })]);
          return { metric: m, now: now.total, then: then.total };
        }),
      ),
    [ws, mp, range.from, range.to],
  );
  if (!data.data) return null;
  return (
    <ul class="kpis" aria-label="Key numbers">
      {data.data.map((k) => (
        <li key={k.metric} class={k.metric === metric ? "current" : ""}>
          <button type="button" class="kpi" aria-pressed={k.metric === metric} onClick={() => pick(k.metric)}>
            <span>{metrics.find(([m]) => m === k.metric)?.[1]}</span>
            <strong data-testid={`kpi-${k.metric}`}>{formatMetric(k.metric, k.now)}</strong>
            <span class="kpi-change">
              {change(k.now, k.then)} <span class="muted">vs the {before.from === before.to ? "day" : "period"} before</span>
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}

function RangePicker({ from, to, set }: { from: string; to: string; set: (r: { from: string; to: string }) => void }) {
  return (
    <>
      <Select
        label="Range"
        name="preset"
        value=""
        onChange={(v) => v && set(lastDays(Number(v)))}
        options={[
          ["", "Presets…"],
          ["7", "Last 7 days"],
          ["30", "Last 30 days"],
          ["90", "Last 90 days"],
        ]}
      />
      <TextField label="From" name="from" type="date" value={from} onInput={(v) => set({ from: v, to })} />
      <TextField label="To" name="to" type="date" value={to} onInput={(v) => set({ from, to: v })} />
    </>
  );
}

export function Analytics({ params }: RouteProps) {
  const { client } = useApp();
  const [range, setRange] = useState(() => lastDays(7));
  const [metric, setMetric] = useState<Metric>("pageViews");
  const [versions, setVersions] = useState("");
  const bad = checkRange(range.from, range.to);
  const compare = ["all", ...versions.split(/[\s,]+/).filter(Boolean)];
  const data = useAsync(
    () => (bad ? Promise.reject(new Error("Range: " + bad + ".")) : Promise.all(compare.map((v) => api.getAnalytics(client, params.ws, params.mp, { ...range, metric, version: v === "all" ? undefined : v })))),
    [params.ws, params.mp, range.from, range.to, metric, versions],
  );
  return (
    <MiniProgramFrame ws={params.ws} mp={params.mp} current={mpBase(params.ws, params.mp) + "/analytics"}>
      {() => (
        <>
          <div class="filters">
            <Select label="Metric" name="metric" value={metric} onChange={(v) => setMetric(v as Metric)} options={metrics} />
            <RangePicker from={range.from} to={range.to} set={setRange} />
            <TextField label="Compare versions" name="versions" value={versions} onInput={setVersions} placeholder="1.0.0, 1.1.0" />
          </div>
          {!bad && <Kpis ws={params.ws} mp={params.mp} range={range} metric={metric} pick={setMetric} />}
          <Loaded a={data}>
            {(all) => {
              const series: Series[] = all.map((s) => ({ name: s.version === "all" ? "All versions" : s.version, points: fillDays(s.from, s.to, s.points) }));
              const main = all[0];
              if (all.every((s) => s.total === 0)) return <Empty>No {metrics.find(([m]) => m === metric)?.[1].toLowerCase()} in this range yet. Host apps report events once the mini program is released.</Empty>;
              return (
                <>
                  <p>
                    {metric === "avgSessionMs" || metric === "visitDepth" ? "Average" : "Total"} <strong data-testid="total">{formatMetric(metric, main.total)}</strong>
                    {main.errorBound > 0 && <span class="muted"> (estimated, ±{(main.errorBound * 100).toFixed(1)}% standard error)</span>}
                  </p>
                  <LineChart series={series} label={`${metrics.find(([m]) => m === metric)?.[1]} per day`} format={(v) => axisTick(metric, v)} />
                  {main.topPages.length > 0 && (
                    <>
                      <h2>Top pages</h2>
                      <Table label="Top pages" rows={main.topPages} rowKey={(p) => p.page} columns={[{ title: "Page", cell: (p) => <code>{p.page}</code> }, { title: "Views", cell: (p) => p.views }]} />
                    </>
                  )}
                </>
              );
            }}
          </Loaded>
        </>
      )}
    </MiniProgramFrame>
  );
}

export function Crashes({ params }: RouteProps) {
  const { client } = useApp();
  const [range, setRange] = useState(() => lastDays(30));
  const [sort, setSort] = useState<"occurrences" | "users">("occurrences");
  const [status, setStatus] = useState("open");
  const bad = checkRange(range.from, range.to);
  const groups = useAsync(
    () => (bad ? Promise.reject(new Error("Range: " + bad + ".")) : api.listCrashes(client, params.ws, params.mp, { ...range, sort, status: (status || undefined) as CrashStatus | undefined, limit: 50 })),
    [params.ws, params.mp, range.from, range.to, sort, status],
  );
  const base = mpBase(params.ws, params.mp);
  return (
    <MiniProgramFrame ws={params.ws} mp={params.mp} current={base + "/crashes"}>
      {() => (
        <>
          <div class="filters">
            <Select label="Sort by" name="sort" value={sort} onChange={(v) => setSort(v as typeof sort)} options={[["occurrences", "Occurrences"], ["users", "Affected users"]]} />
            <Select label="Status" name="status" value={status} onChange={setStatus} options={[["open", "Open"], ["resolved", "Resolved"], ["ignored", "Ignored"], ["", "All"]]} />
            <RangePicker from={range.from} to={range.to} set={setRange} />
          </div>
          <Loaded a={groups}>
            {(g) =>
              g.items.length === 0 ? (
                <Empty>No crashes in this range{status ? ` with status ${status}` : ""}. Host apps report crashes of released versions here.</Empty>
              ) : (
                <Table<CrashGroup>
                  label="Crash groups"
                  rows={g.items}
                  rowKey={(c) => c.fingerprint}
                  columns={[
                    {
                      title: "Error",
                      cell: (c) => (
                        <>
                          <a href={`${base}/crashes/${encodeURIComponent(c.fingerprint)}`}>{c.title}</a> {c.regression && <Badge value="regression" />}
                        </>
                      ),
                    },
                    { title: "Occurrences", cell: (c) => c.occurrences },
                    { title: "Users", cell: (c) => c.affectedUsers },
                    { title: "Versions", cell: (c) => c.versions.join(", ") },
                    { title: "Last seen", cell: (c) => <When at={c.lastSeen} /> },
                    { title: "Status", cell: (c) => <Badge value={c.status} /> },
                  ]}
                />
              )
            }
          </Loaded>
        </>
      )}
    </MiniProgramFrame>
  );
}

export function CrashDetail({ params }: RouteProps) {
  const { client, can } = useApp();
  const [range, setRange] = useState(() => lastDays(30));
  const c = useAsync(() => api.getCrash(client, params.ws, params.mp, params.fp, range), [params.ws, params.mp, params.fp, range.from, range.to]);
  const [resolvedIn, setResolvedIn] = useState("");
  const base = mpBase(params.ws, params.mp);
  return (
    <MiniProgramFrame ws={params.ws} mp={params.mp} current={base + "/crashes"}>
      {() => (
        <Loaded a={c}>
          {(x) => {
            const to = (status: CrashStatus) => async () => {
              // The answer is the group without its days and samples: keep those.
              const next = await api.patchCrash(client, params.ws, params.mp, x.fingerprint, { status, resolvedIn: status === "resolved" && resolvedIn ? resolvedIn : undefined }, x.etag ?? etag(x.version));
              c.set({ ...x, ...next, days: x.days, samples: x.samples });
            };
            return (
              <>
                <h2>
                  {x.title} <Badge value={x.status} /> {x.regression && <Badge value="regression" />}
                </h2>
                <p class="muted">
                  {x.totalOccurrences} occurrences, {x.affectedUsers} users, versions {x.versions.join(", ")}; first seen <When at={x.firstSeen} />, last seen <When at={x.lastSeen} />.
                  {x.regressedIn && ` Came back in ${x.regressedIn}.`}
                </p>
                {can(params.ws, "develop") && (
                  <div class="actions">
                    {x.status !== "resolved" && (
                      <>
                        <TextField label="Resolved in version (optional)" name="resolvedIn" value={resolvedIn} onInput={setResolvedIn} />
                        <Action label="Mark resolved" kind="primary" run={to("resolved")} />
                      </>
                    )}
                    {x.status !== "ignored" && <Action label="Ignore" run={to("ignored")} />}
                    {x.status !== "open" && <Action label="Reopen" run={to("open")} />}
                  </div>
                )}
                <div class="filters">
                  <RangePicker from={range.from} to={range.to} set={setRange} />
                </div>
                <LineChart
                  label="Occurrences and affected users per day"
                  series={[
                    { name: "Occurrences", points: fillDays(range.from, range.to, x.days.map((d) => ({ day: d.day, value: d.occurrences }))) },
                    { name: "Affected users", points: fillDays(range.from, range.to, x.days.map((d) => ({ day: d.day, value: d.affectedUsers }))) },
                  ]}
                />
                <h3>Latest samples</h3>
                {x.samples.map((s) => (
                  <details key={s.id} class="sample">
                    <summary>
                      <When at={s.timestamp} /> · {s.version} · {s.os} {s.appVersion} {s.device} · {s.page}
                    </summary>
                    <p>{s.message}</p>
                    {s.stack && <pre>{s.stack}</pre>}
                  </details>
                ))}
              </>
            );
          }}
        </Loaded>
      )}
    </MiniProgramFrame>
  );
}
