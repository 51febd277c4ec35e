// Numbers as people read them: counts with separators, durations in seconds
// and minutes, ratios to two decimals, and the change against a previous period.
import type { Metric } from "../api/types";

/** duration reads milliseconds: "850 ms", "52.1 s", "3 min 5 s", "2 h 4 min". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  return `${Math.floor(whole / 3600)} h ${Math.floor((whole % 3600) / 60)} min`;
}

/** count reads a whole number with thousands separators. */
export const count = (n: number) => Math.round(n).toLocaleString("en-US");

/** formatMetric reads one value of a metric in its unit. */
export function formatMetric(metric: Metric, v: number): string {
  switch (metric) {
    case "avgSessionMs":
      return v === 0 ? "—" : duration(v); // no sessions: no average
    case "visitDepth":
      return v === 0 ? "—" : v.toFixed(2);
    default:
      return count(v);
  }
}

/** axisTick is a short label for a chart's y axis: "52 s", "1.5 min", "12k". */
export function axisTick(metric: Metric, v: number): string {
  if (metric === "avgSessionMs") return v >= 60_000 ? `${+(v / 60_000).toFixed(1)} min` : v >= 1000 ? `${+(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
  if (metric === "visitDepth") return String(+v.toFixed(2));
  return v >= 10_000 ? `${+(v / 1000).toFixed(1)}k` : String(+v.toFixed(1));
}

/** change reads now against before: "+12%", "−5%", "no change", "up from none". */
export function change(now: number, before: number): string {
  if (before === 0) return now === 0 ? "no change" : "up from none";
  const pct = ((now - before) / before) * 100;
  const r = Math.abs(pct) < 10 ? Math.round(pct * 10) / 10 : Math.round(pct);
  if (r === 0) return "no change";
  return `${r > 0 ? "+" : "−"}${Math.abs(r)}%`;
}

/** bytes reads a size: "512 B", "3.4 KiB", "1.2 MiB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** plusMinus reads a standard error beside a value in the same unit: " ±12", or "" when exact or below the unit's rounding. */
export function plusMinus(stdError: number, fmt: (v: number) => string): string {
  const s = fmt(stdError);
  return stdError > 0 && /[1-9]/.test(s) ? ` ±${s}` : ""; // an error that rounds to nothing is not shown
}

/** crashRate reads crashes per 1,000 sessions to one decimal, with its error: "7.5 per 1,000 sessions ±1.2". */
export function crashRate(x: { sessions: number; crashRate: number; crashRateStdError: number }): string {
  if (x.sessions === 0) return "—";
  return `${x.crashRate.toFixed(1)} per 1,000 sessions${plusMinus(x.crashRateStdError, (v) => v.toFixed(1))}`;
}

/** crashFree reads the crash-free share as a percentage to two decimals: "99.25%". */
export function crashFree(x: { users: number; crashFreeUsers: number; crashFreeUsersStdError: number }): string {
  if (x.users === 0) return "—";
  return `${(x.crashFreeUsers * 100).toFixed(2)}%${plusMinus(x.crashFreeUsersStdError * 100, (v) => v.toFixed(2) + " pt")}`;
}

/** percent reads a share (0..1) to one decimal: "42.5%"; null is "—". */
export const percent = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);
