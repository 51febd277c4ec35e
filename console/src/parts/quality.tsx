// Crash figures of mini program versions: crash rate per 1,000 sessions and
// crash-free users, each with its error, marked when the sample is too small
// to act on. Shown on the analytics page and beside a launch's rollout.
import * as api from "../api/endpoints";
import { CrashStats } from "../api/types";
import { useApp } from "../context";
import { useAsync } from "../lib/hooks";
import { count, crashFree, crashRate } from "../lib/format";
import { Empty, Loaded, Table } from "../ui/data";

/** VersionQuality lists every version's crash figures over a range. */
export function VersionQuality({ ws, mp, range, only }: { ws: string; mp: string; range: { from: string; to: string }; only?: string }) {
  const { client } = useApp();
  const data = useAsync(() => api.getAnalyticsVersions(client, ws, mp, range), [ws, mp, range.from, range.to]);
  return (
    <Loaded a={data}>
      {(v) => {
        const rows = only ? v.items.filter((x) => x.version === only) : v.items;
        if (rows.length === 0) return <Empty>No sessions or crashes reported for {only ? `version ${only}` : "any version"} in this range yet.</Empty>;
        return (
          <Table<CrashStats>
            label="Crash figures per version"
            rows={rows}
            rowKey={(x) => x.version}
            columns={[
              { title: "Version", cell: (x) => x.version },
              { title: "Sessions", cell: (x) => count(x.sessions) },
              { title: "Crashes", cell: (x) => count(x.crashes) },
              { title: "Crash rate", cell: (x) => <span data-testid={`crash-rate-${x.version}`}>{crashRate(x)}</span> },
              { title: "Crash-free users", cell: (x) => <span data-testid={`crash-free-${x.version}`}>{crashFree(x)}</span> },
              { title: "Sample", cell: (x) => (x.sufficient ? "enough to act on" : <span class="muted">too small (under {count(x.minSessions)} sessions or {count(x.minUsers)} users)</span>) },
            ]}
          />
        );
      }}
    </Loaded>
  );
}
