// Launch form logic: parsing rollout steps and intervals, and which actions a
// launch in a status offers.
import { LaunchStatus, Strategy } from "../api/types";

/** parseSteps reads "10, 50, 100" into percentages, or says what is wrong (the API checks again). */
export function parseSteps(s: string): number[] | string {
  const parts = s.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return "enter the percentages of each step, like 10, 50, 100";
  const out: number[] = [];
  for (const p of parts) {
    const n = Number(p.replace(/%$/, ""));
    if (!Number.isInteger(n) || n < 1 || n > 100) return `${p} is not a whole percentage from 1 to 100`;
    if (out.length && n <= out[out.length - 1]) return "each step must be larger than the one before";
    out.push(n);
  }
  if (out[out.length - 1] !== 100) return "the last step must be 100";
  if (out.length > 20) return "at most 20 steps";
  return out;
}

export const units = { seconds: 1, minutes: 60, hours: 3600, days: 86400 } as const;
export type Unit = keyof typeof units;

/** describeInterval says an interval in the largest whole unit. */
export function describeInterval(seconds: number): string {
  for (const u of ["days", "hours", "minutes"] as const) {
    if (seconds >= units[u] && seconds % units[u] === 0) {
      const n = seconds / units[u];
      return `${n} ${n === 1 ? u.slice(0, -1) : u}`;
    }
  }
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}

/** localToISO turns a datetime-local value into an RFC 3339 UTC time, or "" if empty. */
export function localToISO(v: string): string {
  if (!v) return "";
  const d = new Date(v);
  return isNaN(d.getTime()) ? "" : d.toISOString();
}

export const terminal: LaunchStatus[] = ["rejected", "withdrawn", "expired", "completed", "failed"];

export interface LaunchActions {
  withdraw: boolean;
  pause: boolean;
  resume: boolean;
  percentage: boolean;
}

/** actionsFor lists what the console offers for a launch, given what the caller may do. */
export function actionsFor(status: LaunchStatus, strategy: Strategy, develop: boolean, manage: boolean): LaunchActions {
  const phased = strategy === "phased";
  return {
    withdraw: develop && status === "in_review",
    pause: develop && phased && status === "rolling_out",
    resume: develop && phased && status === "paused",
    percentage: manage && phased && (status === "rolling_out" || status === "paused"),
  };
}

/** pollDelay is how long to wait before looking at a running launch again, given how long ago it last changed. */
export function pollDelay(quietMs: number, hidden: boolean): number {
  if (hidden) return 60_000;
  if (!(quietMs >= 0) || quietMs < 60_000) return 2_000;
  if (quietMs < 10 * 60_000) return 10_000;
  return 30_000;
}
