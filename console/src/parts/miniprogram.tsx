// The frame of every mini program page: its name, icon and tabs.
import { ComponentChildren } from "preact";
import * as api from "../api/endpoints";
import { MiniProgram } from "../api/types";
import { useApp } from "../context";
import { useAsync } from "../lib/hooks";
import { path } from "../lib/router";
import { Header, Loaded, Tabs } from "../ui/data";

export const mpBase = (ws: string, mp: string) => path("workspaces", ws, "miniprograms", mp);

/** MiniProgramFrame loads the mini program and shows its tabs around a section. */
export function MiniProgramFrame({ ws, mp, current, children }: { ws: string; mp: string; current: string; children: (m: MiniProgram, set: (m: MiniProgram) => void) => ComponentChildren }) {
  const { client } = useApp();
  const m = useAsync(() => api.getMiniProgram(client, ws, mp), [ws, mp]);
  const base = mpBase(ws, mp);
  return (
    <Loaded a={m}>
      {(x) => (
        <section>
          <div class="mp-title">
            {x.iconUrl && <img class="mp-icon" src={x.iconUrl} alt="" />}
            <Header title={x.name} sub={`${x.category}${x.latestVersion ? " · latest upload " + x.latestVersion : ""}`} />
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
          {children(x, m.set)}
        </section>
      )}
    </Loaded>
  );
}

