// Analytics (a chart per metric and version over a range) and quality (crash
// groups by impact, each with a daily chart, samples and its status).
import { useState } from "preact/hooks";
import * as api from "../api/endpoints";
import { AnalyticsSummary, Cohort, CrashGroup, CrashStatus, Metric, SessionCount } from "../api/types";
import { RouteProps, useApp } from "../context";
import { Series } from "../lib/chart";
import { etag } from "../lib/etag";
import { useAsync } from "../lib/hooks";
import { checkRange, daysBetween, fillDays, lastDays } from "../lib/range";
import { axisTick, change, count, crashFree, crashRate, formatMetric, percent, plusMinus } from "../lib/format";
import { Action, Select, TextField } from "../ui/form";
import { Badge, Empty, Loaded, Table, When } from "../ui/data";
import { LineChart } from "../ui/chart";
import { MiniProgramFrame, mpBase } from "../parts/miniprogram";
import { VersionQuality } from "../parts/quality";

const metrics: [Metric, string][] = [
  ["pageViews", "Page views"],
  ["uniqueVisitors", "Unique visitors"],
  ["newVisitors", "New visitors"],
  ["sessions", "Sessions"],
  ["avgSessionMs", "Average session"],
  ["visitDepth", "Pages per session"],
];

/** Kpis shows every metric's total for the range, with the change against the period before (one summary request); a card picks the chart's metric. */
function Kpis({ summary, metric, pick }: { summary: AnalyticsSummary; metric: Metric; pick: (m: Metric) => void }) {
  const oneDay = summary.previousFrom === summary.previousTo;
  return (
    <ul class="kpis" aria-label="Key numbers">
      {summary.kpis.map((k) => (
        <li key={k.metric} class={k.metric === metric ? "current" : ""}>
          <button type="button" class="kpi" aria-pressed={k.metric === metric} onClick={() => pick(k.metric)}>
            <span>{metrics.find(([m]) => m === k.metric)?.[1]}</span>
            <strong data-testid={`kpi-${k.metric}`}>{formatMetric(k.metric, k.value)}</strong>
            {plusMinus(k.stdError, (v) => formatMetric(k.metric, v)) && <span class="muted kpi-error">{plusMinus(k.stdError, (v) => formatMetric(k.metric, v))} (estimate)</span>}
            <span class="kpi-change" data-testid={`kpi-change-${k.metric}`}>
              {change(k.value, k.previous)} <span class="muted">vs the {oneDay ? "day" : "period"} before</span>
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}

/** Breakdowns lists sessions by the host app's OS and version. */
function Breakdowns({ summary }: { summary: AnalyticsSummary }) {
  const total = summary.sessionsByOS.reduce((n, x) => n + x.sessions, 0);
  if (total === 0) return null;
  const table = (label: string, key: string, rows: SessionCount[]) => (
    <Table<SessionCount>
      label={label}
      rows={rows}
      rowKey={(x) => x.key}
      columns={[
        { title: key, cell: (x) => x.key },
        { title: "Sessions", cell: (x) => count(x.sessions) },
        { title: "Share", cell: (x) => percent(x.sessions / total) },
      ]}
    />
  );
  return (
    <>
      <h2>Sessions by host app</h2>
      <div class="split">
        {table("Sessions by OS", "OS", summary.sessionsByOS)}
        {table("Sessions by host app version", "Host app version", summary.sessionsByAppVersion)}
      </div>
    </>
  );
}

/** RetentionTable shows daily or weekly cohorts and the share that came back in each later period. */
function RetentionTable({ ws, mp, range }: { ws: string; mp: string; range: { from: string; to: string } }) {
  const { client } = useApp();
  const [period, setPeriod] = useState<"day" | "week">("day");
  const long = daysBetween(range.from, range.to) > 31;
  const p = long ? "week" : period;
  const data = useAsync(() => api.getRetention(client, ws, mp, { ...range, period: p }), [ws, mp, range.from, range.to, p]);
  const unit = p === "day" ? "Day" : "Week";
  return (
    <>
      <h2>Retention</h2>
      <div class="filters">
        <Select label="Cohorts" name="period" value={p} onChange={(v) => setPeriod(v as "day" | "week")} options={long ? [["week", "Weekly"]] : [["day", "Daily"], ["week", "Weekly"]]} />
      </div>
      <Loaded a={data}>
        {(r) =>
          r.cohorts.every((c) => c.users === 0) ? (
            <Empty>No visitors in this range yet.</Empty>
          ) : (
            <>
              <Table<Cohort>
                label="Retention cohorts"
                rows={r.cohorts}
                rowKey={(c) => c.start}
                columns={[
                  { title: p === "day" ? "Cohort day" : "Cohort week", cell: (c) => c.start },
                  { title: "Visitors", cell: (c) => count(c.users) },
                  ...r.cohorts[0].retained.map((_, k) => ({
                    title: `${unit} ${k + 1}`,
                    cell: (c: Cohort) =>
                      c.users === 0 || c.retained[k] === null ? (
                        "—"
                      ) : (
                        <span title={`${count(c.retained[k] ?? 0)} of ${count(c.users)} visitors${plusMinus(c.stdError[k], count)}`}>{percent(c.rate[k])}</span>
                      ),
                  })),
                ]}
              />
              <p class="muted">
                Visitors active in a {p} who were active again k {p}s later. Estimated from daily visitor sketches (±{(r.errorBound * 100).toFixed(1)}% each); hover a cell for its count and
                standard error.
              </p>
            </>
          )
        }
      </Loaded>
    </>
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
  const summary = useAsync(() => (bad ? Promise.reject(new Error("Range: " + bad + ".")) : api.getAnalyticsSummary(client, params.ws, params.mp, range)), [params.ws, params.mp, range.from, range.to]);
  return (
    <MiniProgramFrame ws={params.ws} mp={params.mp} current={mpBase(params.ws, params.mp) + "/analytics"}>
      {() => (
        <>
          <div class="filters">
            <Select label="Metric" name="metric" value={metric} onChange={(v) => setMetric(v as Metric)} options={metrics} />
            <RangePicker from={range.from} to={range.to} set={setRange} />
            <TextField label="Compare versions" name="versions" value={versions} onInput={setVersions} placeholder="1.0.0, 1.1.0" />
          </div>
          {summary.data && <Kpis summary={summary.data} metric={metric} pick={setMetric} />}
          {summary.data && summary.data.crashes.sessions > 0 && (
            <p data-testid="crash-summary">
              Crash rate <strong>{crashRate(summary.data.crashes)}</strong>, crash-free users <strong>{crashFree(summary.data.crashes)}</strong>
              {!summary.data.crashes.sufficient && <span class="muted"> (sample too small to act on)</span>}
            </p>
          )}
          <Loaded a={data}>
            {(all) => {
              const series: Series[] = all.map((s) => ({ name: s.version === "all" ? "All versions" : s.version, points: fillDays(s.from, s.to, s.points) }));
              const main = all[0];
              if (all.every((s) => s.total === 0)) return <Empty>No {metrics.find(([m]) => m === metric)?.[1].toLowerCase()} in this range yet. Host apps report events once the mini program is released.</Empty>;
              return (
                <>
                  <p>
                    {metric === "avgSessionMs" || metric === "visitDepth" ? "Average" : "Total"} <strong data-testid="total">{formatMetric(metric, main.total)}</strong>
                    {plusMinus(main.totalStdError, (v) => formatMetric(metric, v)) && <span class="muted"> (estimated,{plusMinus(main.totalStdError, (v) => formatMetric(metric, v))} standard error)</span>}
                  </p>
                  <LineChart series={series} label={`${metrics.find(([m]) => m === metric)?.[1]} per day`} format={(v) => axisTick(metric, v)} />
                  {main.topPages.length > 0 && (
                    <>
                      <h2>Top pages</h2>
                      <Table label="Top pages" rows={main.topPages} rowKey={(p) => p.page} columns={[{ title: "Page", cell: (p) => <code>{p.page}</code> }, { title: "Views", cell: (p) => count(p.views) }]} />
                    </>
                  )}
                </>
              );
            }}
          </Loaded>
          {summary.data && <Breakdowns summary={summary.data} />}
          {!bad && (
            <>
              <h2>Versions</h2>
              <VersionQuality ws={params.ws} mp={params.mp} range={range} />
              <RetentionTable ws={params.ws} mp={params.mp} range={range} />
            </>
          )}
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
