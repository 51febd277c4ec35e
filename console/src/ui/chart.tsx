// LineChart draws series as SVG with a legend and a table for screen readers.
import { plot, Series } from "../lib/chart";

const colors = ["#2563eb", "#db2777", "#16a34a", "#ea580c", "#7c3aed", "#0891b2"];

export function LineChart({ series, label, width = 720, height = 240, format = String }: { series: Series[]; label: string; width?: number; height?: number; format?: (v: number) => string }) {
  // Wide enough on the left for labels like "1.7 min".
  const pad = 56;
  const p = plot(series, width, height, pad);
  const labelEvery = Math.max(1, Math.ceil(p.xs.length / 8));
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
        {p.ticks.map((t) => {
          const y = height - pad - (t / p.max) * (height - 2 * pad);
          return (
            <g key={t}>
              <line x1={pad} x2={width - pad} y1={y} y2={y} class="grid" />
              <text x={pad - 4} y={y + 4} text-anchor="end" class="tick">
                {format(t)}
              </text>
            </g>
          );
        })}
        {p.xs.map((x, i) =>
          i % labelEvery === 0 ? (
            <text key={x} x={p.lines[0]?.points.find((q) => q.x === x)?.cx ?? pad} y={height - 8} text-anchor="middle" class="tick">
              {x.slice(5)}
            </text>
          ) : null,
        )}
        {p.lines.map((l, i) => (
          <g key={l.name} stroke={colors[i % colors.length]} fill={colors[i % colors.length]}>
            <path d={l.d} fill="none" stroke-width="2" />
            {l.points.map((q) => (
              <circle key={q.x} cx={q.cx} cy={q.cy} r="3">
                <title>{`${l.name} ${q.x}: ${format(q.y)}`}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      {series.length > 1 && (
        <figcaption class="legend">
          {series.map((s, i) => (
            <span key={s.name}>
              <i style={{ background: colors[i % colors.length] }} />
              {s.name}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
