// The approvals center: tabs by type, a status filter, and the detail where a
// reviewer approves with a comment or rejects with a reason, and a requester
// withdraws.
import { useState } from "preact/hooks";
import * as api from "../api/endpoints";
import { Approval, ApprovalStatus, ApprovalType } from "../api/types";
import { RouteProps, TENANT, useApp } from "../context";
import { useAsync, usePaged } from "../lib/hooks";
import { navigate, path } from "../lib/router";
import { Form, Select, TextArea, Action } from "../ui/form";
import { Badge, Header, Loaded, PagedTable, Tabs, When } from "../ui/data";

const approvalTabs: [ApprovalType, string][] = [
  ["launch", "Launch"],
  ["online", "Online"],
  ["offline", "Offline"],
  ["workspace.create", "Create developer workspace"],
  ["feature.activate", "Feature"],
];

const statuses: [string, string][] = [
  ["in_review", "In review"],
  ["approved", "Approved"],
  ["rejected", "Rejected"],
  ["withdrawn", "Withdrawn"],
  ["expired", "Expired"],
  ["", "All"],
];

export function Approvals({ location }: RouteProps) {
  const { client } = useApp();
  const type = (location.query.get("type") as ApprovalType) || "launch";
  const status = location.query.get("status") ?? "in_review";
  const paged = usePaged((cursor) => api.listApprovals(client, { cursor, limit: 20, type, status: (status || undefined) as ApprovalStatus | undefined }), [type, status]);
  const href = (t: string, s: string) => `/approvals?type=${encodeURIComponent(t)}&status=${encodeURIComponent(s)}`;
  return (
    <section>
      <Header title="Approvals" sub="Requests from developer workspaces and merchants, waiting for a decision." />
      <Tabs current={href(type, status)} tabs={approvalTabs.map(([t, label]) => [href(t, status), label])} />
      <div class="filters">
        <Select label="Status" name="status" value={status} onChange={(s) => navigate(href(type, s))} options={statuses} />
      </div>
      <PagedTable<Approval>
        paged={paged}
        label="Approvals"
        rowKey={(a) => a.id}
        empty={status === "in_review" ? "Nothing waits for a decision here." : "No approvals match."}
        columns={[
          { title: "Request", cell: (a) => <a href={path("approvals", a.id)}>{a.title}</a> },
          { title: "Requested by", cell: (a) => a.requester.email },
          { title: "Status", cell: (a) => <Badge value={a.status} /> },
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
  }
}

export function ApprovalDetail({ params }: RouteProps) {
  const { client, can, me } = useApp();
  const a = useAsync(() => api.getApproval(client, params.id), [params.id]);
  const [comment, setComment] = useState("");
  const [reason, setReason] = useState("");
  return (
    <Loaded a={a}>
      {(x) => {
        const open = x.status === "in_review";
        const mine = x.requester.userId === me.data?.userId;
        const decide = open && !mine && can(TENANT, "approvals:decide");
        return (
          <section>
            <Header title={x.title} sub={`${approvalTabs.find(([t]) => t === x.type)?.[1]} request by ${x.requester.email}`}>
              <Badge value={x.status} />
            </Header>
            <Payload a={x} />
            <p class="muted">
              Requested <When at={x.createdAt} />
              {x.decidedAt && (
                <>
                  ; decided <When at={x.decidedAt} />
                </>
              )}
            </p>
            {x.comment && <p>Comment: {x.comment}</p>}
            {x.reason && <p>Reason: {x.reason}</p>}
            {decide && (
              <div class="decide">
                <Form submit="Approve" fields={["comment"]} onSubmit={async () => a.set(await api.approveApproval(client, x.id, { comment: comment || undefined }))}>
                  <TextArea label="Comment (optional)" name="comment" value={comment} onInput={setComment} rows={2} />
                </Form>
                <Form submit="Reject" fields={["reason"]} onSubmit={async () => a.set(await api.rejectApproval(client, x.id, { reason }))}>
                  <TextArea label="Reason for rejecting" name="reason" value={reason} onInput={setReason} rows={2} hint="The requester sees this." />
                </Form>
              </div>
            )}
            {open && mine && <Action label="Withdraw request" confirm="Withdraw this request?" run={async () => a.set(await api.withdrawApproval(client, x.id))} />}
            {open && mine && <p class="muted">Someone else decides on your own requests.</p>}
          </section>
        );
      }}
    </Loaded>
  );
}
