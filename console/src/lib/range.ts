// Date ranges for analytics: UTC days, as the API counts them.

export const day = (d: Date) => d.toISOString().slice(0, 10);

/** lastDays is the range of n days ending today (UTC). */
export function lastDays(n: number, now = new Date()): { from: string; to: string } {
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const from = new Date(to.getTime() - (n - 1) * 86400_000);
  return { from: day(from), to: day(to) };
}

/** checkRange says what is wrong with a range (the API allows at most 90 days), or "". */
export function checkRange(from: string, to: string): string {
  const re = /^\d{4}-\d{2}-\d{2}$/;
  if (!re.test(from) || !re.test(to)) return "choose both days";
  const days = (Date.parse(to) - Date.parse(from)) / 86400_000 + 1;
  if (!(days >= 1)) return "the range must not end before it starts";
  if (days > 90) return "choose at most 90 days";
  return "";
}

/** fillDays gives every day of the range a value (0 where the series has none). */
export function fillDays(from: string, to: string, points: { day: string; value: number }[]): { x: string; y: number }[] {
  const by = new Map(points.map((p) => [p.day, p.value]));
  const out: { x: string; y: number }[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += 86400_000) {
    const d = day(new Date(t));
    out.push({ x: d, y: by.get(d) ?? 0 });
  }
  return out;
}

/** previousRange is the range of the same length just before it. */
export function previousRange(from: string, to: string): { from: string; to: string } {
  const n = (Date.parse(to) - Date.parse(from)) / 86400_000 + 1;
  return { from: day(new Date(Date.parse(from) - n * 86400_000)), to: day(new Date(Date.parse(from) - 86400_000)) };
}

/** daysBetween counts the days of a range, both included. */
export const daysBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 86400_000 + 1;
