// The approvals center: tabs by type, a status filter, and the detail where a
// reviewer approves with a comment or rejects with a reason, and a requester
// withdraws.
import { useState } from "preact/hooks";
import * as api from "../api/endpoints";
import { Approval, ApprovalContext, ApprovalStatus, ApprovalType, RejectionCode } from "../api/types";
import { bytes } from "../lib/format";
import { describeInterval } from "../lib/launch";
import { pagesDiff, rejectionCodes, rejectionLabel } from "../lib/review";
import { RouteProps, TENANT, useApp } from "../context";
import { useAsync, usePaged } from "../lib/hooks";
import { navigate, path } from "../lib/router";
import { Form, Select, TextArea, Action } from "../ui/form";
import { Badge, Header, Loaded, PagedTable, When } from "../ui/data";

const approvalTabs: [ApprovalType, string][] = [
  ["launch", "Launch"],
  ["online", "Online"],
  ["offline", "Offline"],
  ["workspace.create", "Create developer workspace"],
  ["feature.activate", "Feature"],
  ["authorization.regrant", "Grant again"],
];

const statuses: [string, string][] = [
  ["in_review", "In review"],
  ["approved", "Approved"],
  ["rejected", "Rejected"],
  ["withdrawn", "Withdrawn"],
  ["expired", "Expired"],
  ["", "All"],
];

/** company names who asks: the requesting workspace, or the applicant's company. */
export function company(a: Approval): string {
  if (a.type === "workspace.create") return a.payload.company;
  if (a.type === "authorization.regrant") return a.payload.workspaceName;
  return a.requester.workspaceName ?? a.requester.workspaceId ?? "";
}

/** miniProgramOf names the mini program an approval is about, if any. */
export function miniProgramOf(a: Approval): string {
  switch (a.type) {
    case "launch":
      return `${a.payload.miniProgram} ${a.payload.version}`;
    case "online":
    case "offline":
      return a.payload.miniProgram;
    case "feature.activate":
      return a.payload.miniProgramName;
    default:
      return "";
  }
}

/** waited says how long ago, in the largest whole unit: "3 days", "2 hours", "5 minutes", "just now". */
export function waited(since: string, now = Date.now()): string {
  const m = Math.max(0, Math.floor((now - Date.parse(since)) / 60000));
  if (m === 0) return "just now";
  const [n, unit] = m >= 2880 ? [Math.floor(m / 1440), "day"] : m >= 120 ? [Math.floor(m / 60), "hour"] : [m, "minute"];
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

function Count({ n, more }: { n?: number; more?: boolean }) {
  if (!n) return null;
  return (
    <span class="count">
      {n}
      {more ? "+" : ""}
      <span class="sr-only"> waiting</span>
    </span>
  );
}

/** Approvals is the reviewers' inbox: everything waiting, oldest first, with counts per type; other statuses by filter. */
export function Approvals({ location }: RouteProps) {
  const { client, pending } = useApp();
  const type = (location.query.get("type") ?? "") as ApprovalType | "";
  const status = location.query.get("status") ?? "in_review";
  // The API lists every type only by status: "all types, all statuses" is not a view.
  const effective = type === "" && status === "" ? "in_review" : status;
  const order = effective === "in_review" ? "oldest" : "newest";
  const paged = usePaged(
    (cursor) => api.listApprovals(client, { cursor, limit: 20, type: type || undefined, status: (effective || undefined) as ApprovalStatus | undefined, order }),
    [type, effective],
  );
  const href = (t: string, s: string) => `/approvals?type=${encodeURIComponent(t)}&status=${encodeURIComponent(s)}`;
  const counts = effective === "in_review" ? pending.data : null;
  const elsewhere = counts && type ? counts.total - (counts.byType[type] ?? 0) : 0;
  return (
    <section>
      <Header
        title="Approvals"
        sub={effective === "in_review" ? "Everything waiting for a decision, oldest first." : "Decided and closed requests, newest first."}
      />
      <nav class="tabs" aria-label="Sections">
        {([["", "All pending"], ...approvalTabs] as [string, string][]).map(([t, label]) => (
          <a key={t} href={href(t, status)} aria-current={t === type ? "page" : undefined} data-label={label}>
            {label}
            <Count n={t ? counts?.byType[t] : counts?.total} more={!t && counts?.more} />
          </a>
        ))}
      </nav>
      <div class="filters">
        <Select label="Status" name="status" value={effective} onChange={(s) => navigate(href(type, s))} options={type ? statuses : statuses.filter(([s]) => s)} />
      </div>
      <PagedTable<Approval>
        paged={paged}
        label="Approvals"
        rowKey={(a) => a.id}
        empty={
          effective !== "in_review"
            ? "No approvals match."
            : elsewhere > 0
              ? `Nothing of this type waits. ${elsewhere} other request${elsewhere === 1 ? "" : "s"} wait under All pending.`
              : "Nothing waits for a decision. New requests appear here."
        }
        columns={[
          { title: "Request", cell: (a) => <a href={path("approvals", a.id)}>{a.title}</a> },
          { title: "Company", cell: (a) => company(a) || <span class="muted">—</span> },
          { title: "Mini program", cell: (a) => miniProgramOf(a) || <span class="muted">—</span> },
          { title: "Requested by", cell: (a) => a.requester.email },
          ...(type ? [] : [{ title: "Type", cell: (a: Approval) => approvalTabs.find(([t]) => t === a.type)?.[1] ?? a.type }]),
          effective === "in_review"
            ? { title: "Waiting", cell: (a: Approval) => <span title={new Date(a.createdAt).toISOString()}>{waited(a.createdAt)}</span> }
            : { title: "Status", cell: (a: Approval) => <Badge value={a.status} /> },
          { title: "Requested", cell: (a) => <When at={a.createdAt} /> },
        ]}
      />
    </section>
  );
}

function Payload({ a }: { a: Approval }) {
  switch (a.type) {
    case "workspace.create":
      return (
        <dl class="facts">
          <dt>Company</dt>
          <dd>{a.payload.company}</dd>
          <dt>Contact</dt>
          <dd>
            {a.payload.contactName} &lt;{a.payload.email}&gt;
          </dd>
          <dt>Country</dt>
          <dd>{a.payload.country}</dd>
          <dt>Plans</dt>
          <dd class="pre">{a.payload.reason}</dd>
        </dl>
      );
    case "launch":
      return (
        <dl class="facts">
          <dt>Mini program</dt>
          <dd>{a.payload.miniProgram}</dd>
          <dt>Version</dt>
          <dd>{a.payload.version}</dd>
          <dt>Strategy</dt>
          <dd>{a.payload.strategy}</dd>
          {a.payload.note && (
            <>
              <dt>Note</dt>
              <dd>{a.payload.note}</dd>
            </>
          )}
        </dl>
      );
    case "offline":
    case "online":
      return (
        <dl class="facts">
          <dt>Mini program</dt>
          <dd>{a.payload.miniProgram}</dd>
          <dt>Reason</dt>
          <dd>{a.payload.reason}</dd>
        </dl>
      );
    case "feature.activate":
      return (
        <dl class="facts">
          <dt>Feature</dt>
          <dd>{a.payload.featureName}</dd>
          <dt>Mini program</dt>
          <dd>{a.payload.miniProgramName}</dd>
          <dt>Reason</dt>
          <dd>{a.payload.reason}</dd>
        </dl>
      );
    case "authorization.regrant":
      return (
        <dl class="facts">
          <dt>Developer workspace</dt>
          <dd>{a.payload.workspaceName}</dd>
          <dt>Authorization</dt>
          <dd>
            <code>{a.payload.authorizationId}</code> (revoked)
          </dd>
          <dt>Reason</dt>
          <dd class="pre">{a.payload.reason}</dd>
        </dl>
      );
  }
}

function PageList({ pages, label }: { pages: string[]; label: string }) {
  if (pages.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="changes" aria-label={label}>
      {pages.map((p) => (
        <li key={p}>
          <code>{p}</code>
        </li>
      ))}
    </ul>
  );
}

/** Context shows, read-only, what the reviewer decides on: the mini program, the version under review with its report, what is live, the rollout plan and the features held. */
function Context({ c }: { c: ApprovalContext }) {
  const v = c.version;
  const live = c.liveVersion;
  const l = c.launch;
  const r = c.release;
  const diff = pagesDiff(v, live);
  const held = c.features.filter((f) => f.status === "active");
  return (
    <section class="panel review-context" aria-labelledby="review-context">
      <h2 id="review-context">What you decide on</h2>
      <dl class="facts">
        {c.miniProgram && (
          <>
            <dt>Mini program</dt>
            <dd>
              {c.miniProgram.name} ({c.miniProgram.category}){c.miniProgram.description && <> — {c.miniProgram.description}</>}
            </dd>
          </>
        )}
        <dt>Live now</dt>
        <dd>
          {r?.version ? `${r.version} to ${r.percentage}% of users${r.strategy ? ` (${r.strategy})` : ""}` : "Nothing is live yet"}
          {r?.offline && " — offline"}
        </dd>
        {l && (
          <>
            <dt>Rollout plan</dt>
            <dd>
              {l.strategy === "phased" && l.steps
                ? `Phased: ${l.steps.join("% → ")}%, every ${describeInterval(l.intervalSeconds ?? 0)}`
                : l.strategy === "testers"
                  ? "To the workspace's testers only"
                  : "To every user at once"}
            </dd>
            <dt>Schedule</dt>
            <dd>{l.releaseAt ? <When at={l.releaseAt} /> : "As soon as it is approved"}</dd>
          </>
        )}
        <dt>Features held</dt>
        <dd>{held.length ? held.map((f) => f.featureName).join(", ") : "None"}</dd>
      </dl>
      {v && (
        <>
          <h3>Version {v.version} under review</h3>
          <dl class="facts">
            <dt>Size</dt>
            <dd>
              {bytes(v.size)}
              {v.report && ` (${bytes(v.report.uncompressedBytes)} unpacked, ${bytes(v.report.mainBytes)} main package)`}
            </dd>
            <dt>Package report</dt>
            <dd>
              {!v.report ? (
                <span class="muted">Not processed</span>
              ) : v.report.valid ? (
                `Valid: ${v.report.entries} files, ${v.report.manifest?.pages.length ?? 0} pages, ${v.report.manifest?.subpackages ?? 0} subpackages`
              ) : (
                <ul class="problems" aria-label="Problems">
                  {v.report.problems.map((p, i) => (
                    <li key={i}>
                      <code>{p.code}</code> {p.message}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
            {v.report?.manifest && (
              <>
                <dt>Pages</dt>
                <dd>
                  <PageList pages={v.report.manifest.pages} label={`Pages of ${v.version}`} />
                </dd>
              </>
            )}
          </dl>
          <p class="muted">No trial QR code here: trial downloads are offered to the workspace's developers and testers, not to reviewers.</p>
        </>
      )}
      {live && (
        <>
          <h3>Against the live version {live.version}</h3>
          {diff ? (
            <dl class="facts">
              <dt>Pages added</dt>
              <dd>
                <PageList pages={diff.added} label="Pages added" />
              </dd>
              <dt>Pages removed</dt>
              <dd>
                <PageList pages={diff.removed} label="Pages removed" />
              </dd>
              <dt>Size before</dt>
              <dd>{bytes(live.size)}</dd>
            </dl>
          ) : (
            <p class="muted">Size {bytes(live.size)}; its pages are not known.</p>
          )}
        </>
      )}
    </section>
  );
}

/** outcome says what approving does, in the reviewer's words. */
export function outcome(a: Approval): string {
  switch (a.type) {
    case "workspace.create":
      return `Approve? A developer workspace for ${a.payload.company} is created and ${a.payload.email} is emailed a sign-in.`;
    case "launch":
      return `Approve? ${a.payload.miniProgram} ${a.payload.version} is released ${
        a.payload.strategy === "full" ? "to every user" : a.payload.strategy === "testers" ? "to the workspace's testers" : "in stages to a growing share of users"
      } at its release time.`;
    case "offline":
      return `Approve? No user can open ${a.payload.miniProgram} until it is brought back online.`;
    case "online":
      return `Approve? Users can open ${a.payload.miniProgram} again.`;
    case "feature.activate":
      return `Approve? ${a.payload.miniProgramName} may use ${a.payload.featureName} at once.`;
    case "authorization.regrant":
      return `Approve? ${a.payload.workspaceName} may upload and launch again at once; its paused rollouts stay paused until its developers resume them.`;
  }
}

export function ApprovalDetail({ params }: RouteProps) {
  const { client, can, me, pending } = useApp();
  const a = useAsync(() => api.getApproval(client, params.id), [params.id]);
  const [comment, setComment] = useState("");
  const [reason, setReason] = useState("");
  const [reasonCode, setReasonCode] = useState<RejectionCode | "">("");
  return (
    <Loaded a={a}>
      {(x) => {
        const open = x.status === "in_review";
        const mine = x.requester.userId === me.data?.userId;
        const decide = open && !mine && can(TENANT, "approvals:decide");
        // A decision's answer is read without the requester's workspace name: keep it.
        const decided = (next: Approval) => (a.set({ ...next, requester: { ...next.requester, workspaceName: x.requester.workspaceName } } as Approval), pending.reload());
        return (
          <section>
            <Header title={x.title} sub={`${approvalTabs.find(([t]) => t === x.type)?.[1]} request by ${x.requester.email}${company(x) ? ` (${company(x)})` : ""}`}>
              <Badge value={x.status} />
            </Header>
            <Payload a={x} />
            {x.context && <Context c={x.context} />}
            <p class="muted">
              Requested <When at={x.createdAt} />
              {x.decidedAt && (
                <>
                  ; decided <When at={x.decidedAt} />
                </>
              )}
            </p>
            {x.comment && <p>Comment: {x.comment}</p>}
            {x.reason && (
              <p>
                Reason: {x.reasonCode && <strong>{rejectionLabel(x.reasonCode)}: </strong>}
                {x.reason}
              </p>
            )}
            {decide && (
              <div class="decide">
                <Form submit="Approve" fields={["comment"]} confirm={() => outcome(x)} onSubmit={async () => decided(await api.approveApproval(client, x.id, { comment: comment || undefined }))}>
                  <TextArea label="Comment (optional)" name="comment" value={comment} onInput={setComment} rows={2} />
                </Form>
                <Form
                  submit="Reject"
                  danger
                  fields={["reasonCode", "reason"]}
                  check={() => ({
                    reasonCode: !reasonCode && "Choose what kind of problem it is.",
                    reason: !reason.trim() && "Say why you reject it: the requester reads your reason.",
                  })}
                  confirm={() => "Reject? The request is closed and the requester is emailed your reason."}
                  onSubmit={async () => decided(await api.rejectApproval(client, x.id, { reason: reason.trim(), reasonCode: reasonCode || undefined }))}
                >
                  <Select
                    label="Kind of problem"
                    name="reasonCode"
                    value={reasonCode}
                    onChange={(v) => setReasonCode(v as RejectionCode | "")}
                    options={[["", "Choose…"], ...rejectionCodes]}
                  />
                  <TextArea label="Reason for rejecting" name="reason" value={reason} onInput={setReason} rows={2} hint="Required. The requester sees this." />
                </Form>
              </div>
            )}
            {open && mine && <Action label="Withdraw request" confirm="Withdraw this request? Reviewers no longer see it." run={async () => a.set(await api.withdrawApproval(client, x.id))} />}
            {open && mine && <p class="muted">Someone else decides on your own requests.</p>}
          </section>
        );
      }}
    </Loaded>
  );
}
