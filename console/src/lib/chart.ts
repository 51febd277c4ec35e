// Chart geometry, kept apart from drawing so it can be tested.

export interface Series {
  name: string;
  points: { x: string; y: number }[];
}

export interface Plot {
  width: number;
  height: number;
  max: number;
  xs: string[];
  ticks: number[];
  lines: { name: string; d: string; points: { cx: number; cy: number; x: string; y: number }[] }[];
}

/** niceMax rounds a maximum up to 1, 2 or 5 times a power of ten (at least 1). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

/** plot lays series out on one x axis (the union of their x values, sorted) and a shared y scale from 0. */
export function plot(series: Series[], width: number, height: number, pad = 32): Plot {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort();
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.y))));
  const ix = new Map(xs.map((x, i) => [x, i]));
  const sx = (x: string) => pad + (xs.length <= 1 ? (width - 2 * pad) / 2 : ((ix.get(x) ?? 0) * (width - 2 * pad)) / (xs.length - 1));
  const sy = (y: number) => height - pad - (y / max) * (height - 2 * pad);
  const r = (n: number) => Math.round(n * 10) / 10;
  const lines = series.map((s) => {
    const points = [...s.points].sort((a, b) => (a.x < b.x ? -1 : a.x > b.x ? 1 : 0)).map((p) => ({ cx: r(sx(p.x)), cy: r(sy(p.y)), x: p.x, y: p.y }));
    return { name: s.name, d: points.map((p, i) => `${i ? "L" : "M"}${p.cx} ${p.cy}`).join(""), points };
  });
  return { width, height, max, xs, ticks: [0, max / 2, max], lines };
}
