// Crash figures of mini program versions: crash rate per 1,000 sessions and
// crash-free users, each with its error, marked when the sample is too small
// to act on. Shown on the analytics page and beside a launch's rollout.
import * as api from "../api/endpoints";
import { CrashStats } from "../api/types";
import { useApp } from "../context";
import { useAsync } from "../lib/hooks";
import { count, crashFree, crashRate } from "../lib/format";
import { Empty, Loaded, Table } from "../ui/data";

const sampleNote = (x: CrashStats) => `too small to act on: under ${count(x.minSessions)} sessions or ${count(x.minUsers)} users`;

/** VersionQuality lists every version's crash figures over a range. */
export function VersionQuality({ ws, mp, range, only }: { ws: string; mp: string; range: { from: string; to: string }; only?: string }) {
  const { client } = useApp();
  const data = useAsync(() => api.getAnalyticsVersions(client, ws, mp, range), [ws, mp, range.from, range.to]);
  return (
    <Loaded a={data}>
      {(v) => {
        const rows = only ? v.items.filter((x) => x.version === only) : v.items;
        if (rows.length === 0) return <Empty>No sessions or crashes reported for {only ? `version ${only}` : "any version"} in this range yet.</Empty>;
        if (only) {
          // One version beside its rollout: facts, not a table.
          const x = rows[0];
          return (
            <dl class="facts">
              <dt>Crash rate</dt>
              <dd data-testid={`crash-rate-${x.version}`}>{crashRate(x)}</dd>
              <dt>Crash-free users</dt>
              <dd data-testid={`crash-free-${x.version}`}>{crashFree(x)}</dd>
              <dt>Sample</dt>
              <dd>
                {count(x.sessions)} sessions, {count(x.users)} users, {count(x.crashes)} crashes
                {!x.sufficient && <span class="muted"> — {sampleNote(x)}</span>}
              </dd>
            </dl>
          );
        }
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
              { title: "Sample", cell: (x) => (x.sufficient ? "enough" : <span class="muted" title={sampleNote(x)}>too small</span>) },
            ]}
          />
        );
      }}
    </Loaded>
  );
}
