// Showing data: loading and error states, tables that page, empty states that
// say what to do next, badges and tabs.
import { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiError } from "../api/client";
import { Async, Paged } from "../lib/hooks";
import { ErrorNotice } from "./form";

/** Loaded renders children with the data, or the loading or error state. */
export function Loaded<T>({ a, children }: { a: Async<T>; children: (t: T) => ComponentChildren }) {
  if (a.error !== undefined && a.data === undefined) {
    return (
      <div>
        <ErrorNotice error={a.error} />
        {!(a.error instanceof ApiError && [403, 404].includes(a.error.status)) && (
          <button type="button" onClick={a.reload}>
            Try again
          </button>
        )}
      </div>
    );
  }
  if (a.data === undefined) return <p class="loading" aria-busy="true">Loading…</p>;
  return <>{children(a.data)}</>;
}

export interface Column<T> {
  title: string;
  cell: (t: T) => ComponentChildren;
  class?: string;
}

export function Table<T>({ rows, columns, rowKey, label }: { rows: T[]; columns: Column<T>[]; rowKey: (t: T) => string; label: string }) {
  return (
    // A region of its own that scrolls sideways on narrow screens, reachable by keyboard.
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.title} class={c.class}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((c) => (
                <td key={c.title} class={c.class}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** PagedTable is a Table over cursor pages with Previous and Next, and an empty state. */
export function PagedTable<T>(p: { paged: Paged<T>; columns: Column<T>[]; rowKey: (t: T) => string; label: string; empty: ComponentChildren }) {
  const { paged } = p;
  return (
    <Loaded a={paged}>
      {(page) =>
        page.items.length === 0 && !paged.cursors.hasPrevious ? (
          <Empty>{p.empty}</Empty>
        ) : (
          <>
            <Table rows={page.items} columns={p.columns} rowKey={p.rowKey} label={p.label} />
            <Pager paged={paged} />
          </>
        )
      }
    </Loaded>
  );
}

function Pager<T>({ paged }: { paged: Paged<T> }) {
  if (!paged.cursors.hasPrevious && !paged.data?.nextCursor) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={!paged.cursors.hasPrevious || paged.loading} onClick={paged.previous}>
        ← Previous
      </button>
      <span>Page {paged.cursors.page}</span>
      <button type="button" disabled={!paged.data?.nextCursor || paged.loading} onClick={paged.next}>
        Next →
      </button>
    </nav>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

const tones: Record<string, string> = {
  active: "ok", ready: "ok", approved: "ok", completed: "ok", published: "ok", online: "ok", accepted: "ok", resolved: "ok", handled: "ok",
  in_review: "wait", pending: "wait", processing: "wait", uploading: "wait", scheduled: "wait", rolling_out: "wait", publishing: "wait", awaiting_upload: "wait", open: "warn",
  paused: "warn", expired: "muted", withdrawn: "muted", offline: "muted", ignored: "muted", revoked: "muted",
  rejected: "bad", invalid: "bad", failed: "bad", blocked: "bad", processing_failed: "bad", deprecated: "warn",
};

export function Badge({ value }: { value: string }) {
  return <span class={"badge " + (tones[value] ?? "")}>{value.replace(/[._]/g, " ")}</span>;
}

export function Tabs({ tabs, current }: { tabs: [string, string][]; current: string }) {
  return (
    <nav class="tabs" aria-label="Sections">
      {tabs.map(([href, label]) => (
        <a key={href} href={href} aria-current={href === current ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

/** When shows a timestamp in the reader's zone, with the exact time on hover. */
export function When({ at }: { at?: string }) {
  if (!at) return <span class="muted">—</span>;
  const d = new Date(at);
  if (isNaN(d.getTime())) return <span>{at}</span>;
  return (
    <time dateTime={at} title={d.toISOString()}>
      {d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}
    </time>
  );
}

/** Secret shows a value that is shown only once, with a copy button. */
export function Secret({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="secret" role="status">
      <p>
        <strong>{label}</strong> It is shown only this once: copy it now.
      </p>
      <code data-secret>{value}</code>
      <button type="button" onClick={() => navigator.clipboard?.writeText(value).then(() => setCopied(true))}>
        {copied ? "Copied" : "Copy"}
      </button>
    </div>
  );
}

export function Header({ title, children, sub }: { title: string; sub?: ComponentChildren; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <div>
        <h1>{title}</h1>
        {sub && <p class="muted">{sub}</p>}
      </div>
      {children && <div class="header-actions">{children}</div>}
    </header>
  );
}
