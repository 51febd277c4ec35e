// The frame of every mini program page: its name, icon and tabs.
import { ComponentChildren } from "preact";
import * as api from "../api/endpoints";
import { MiniProgram, Release } from "../api/types";
import { useApp } from "../context";
import { useAsync } from "../lib/hooks";
import { path } from "../lib/router";
import { Badge, Header, Loaded, Tabs } from "../ui/data";

export const mpBase = (ws: string, mp: string) => path("workspaces", ws, "miniprograms", mp);

/** Frame is what a section gets from its frame: the mini program, a setter, and refresh (after a change to uploads or releases). */
export interface Frame {
  set: (m: MiniProgram) => void;
  refresh: () => void;
}

/** MiniProgramFrame loads the mini program and what users get of it, and shows its tabs around a section. */
export function MiniProgramFrame({ ws, mp, current, children }: { ws: string; mp: string; current: string; children: (m: MiniProgram, set: (m: MiniProgram) => void, frame: Frame) => ComponentChildren }) {
  const { client } = useApp();
  const m = useAsync(() => api.getMiniProgram(client, ws, mp), [ws, mp]);
  const release = useAsync(() => api.getRelease(client, ws, mp).catch(() => undefined), [ws, mp]);
  const base = mpBase(ws, mp);
  const frame: Frame = { set: m.set, refresh: () => (m.reload(), release.reload()) };
  const r = release.data;
  return (
    <Loaded a={m}>
      {(x) => (
        <section>
          <div class="mp-title">
            {x.iconUrl && <img class="mp-icon" src={x.iconUrl} alt="" />}
            <Header
              title={x.name}
              sub={
                <span data-testid="mp-status">
                  {x.category} · {!r || !r.version ? "not released" : r.offline ? "offline" : `live ${r.version} to ${r.percentage}%`}
                  {x.latestVersion && ` · latest upload ${x.latestVersion}`}
                </span>
              }
            />
          </div>
          <Tabs
            current={current}
            tabs={[
              [base, "Versions"],
              [base + "/launches", "Launches"],
              [base + "/features", "Features"],
              [base + "/analytics", "Analytics"],
              [base + "/crashes", "Quality"],
              [base + "/details", "Details"],
            ]}
          />
          {children(x, m.set, frame)}
        </section>
      )}
    </Loaded>
  );
}


/** Live says what users get: the live version and its share, offline, or not released. */
export function Live({ r }: { r?: Release }) {
  if (!r || !r.version) return <span class="muted">not released</span>;
  if (r.offline) return <Badge value="offline" />;
  return (
    <span>
      <strong>{r.version}</strong> to {r.percentage}%{r.percentage < 100 && r.previousVersion ? `, others ${r.previousVersion}` : ""}
      {r.testersVersion ? `; testers ${r.testersVersion}` : ""}
    </span>
  );
}
