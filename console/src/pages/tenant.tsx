// The platform operator's pages: authorizations, host apps and their keys, and
// feedback triage.
import { useState } from "preact/hooks";
import { newIdempotencyKey } from "../api/client";
import * as api from "../api/endpoints";
import { App, Authorization, CreatedAppKey, Feedback, FeedbackCategory, FeedbackStatus, Platform } from "../api/types";
import { RouteProps, TENANT, useApp } from "../context";
import { etag } from "../lib/etag";
import { useAsync, usePaged } from "../lib/hooks";
import { navigate, path } from "../lib/router";
import { put, sha256Hex } from "../lib/upload";
import { Action, Form, Select, TextArea, TextField } from "../ui/form";
import { Badge, Empty, Header, Loaded, PagedTable, Secret, When } from "../ui/data";

export function Authorizations(_: RouteProps) {
  const { client, can } = useApp();
  const [tick, setTick] = useState(0);
  const paged = usePaged((cursor) => api.listAuthorizations(client, { cursor, limit: 25 }), [tick]);
  const manage = can(TENANT, "tenant:manage");
  const [regrant, setRegrant] = useState<Authorization | null>(null);
  const [reason, setReason] = useState("");
  const [sent, setSent] = useState<{ approval: string; workspace: string } | null>(null);
  return (
    <section>
      <Header title="Authorizations" sub="Developer workspaces authorized to build for the platform, and features granted to mini programs. Revoking stops uploads and launches." />
      {sent && (
        <p class="notice" role="status">
          Your request to grant {sent.workspace}'s authorization again is in review: another reviewer or admin decides it.{" "}
          <a href={path("approvals", sent.approval)}>Open the request</a>
        </p>
      )}
      {regrant && (
        <div class="card">
          <h2>Grant {regrant.workspaceName}'s authorization again</h2>
          <p>Once another reviewer or admin approves, the workspace may upload and launch again. Its paused rollouts stay paused until its developers resume them.</p>
          <Form
            submit="Send for approval"
            fields={["reason"]}
            check={() => ({ reason: !reason.trim() && "Say why the workspace may develop for the platform again: the reviewer reads it." })}
            onSubmit={async () => {
              const a = await api.requestRegrant(client, regrant.id, reason.trim());
              setSent({ approval: a.id, workspace: regrant.workspaceName });
              setRegrant(null);
              setReason("");
            }}
            secondary={
              <button type="button" onClick={() => setRegrant(null)}>
                Cancel
              </button>
            }
          >
            <TextArea label="Reason" name="reason" value={reason} onInput={setReason} rows={3} hint="Required. The reviewer sees this." />
          </Form>
        </div>
      )}
      <PagedTable
        paged={paged}
        label="Authorizations"
        rowKey={(a) => a.id}
        empty="No authorizations yet: approving a developer account or a feature activation creates one."
        columns={[
          { title: "Workspace", cell: (a) => a.workspaceName },
          { title: "Type", cell: (a) => (a.type === "feature" ? `feature ${a.featureName ?? a.featureId}` : "workspace") },
          { title: "Status", cell: (a) => <Badge value={a.status} /> },
          { title: "Granted", cell: (a) => <When at={a.grantedAt} /> },
          {
            title: "Actions",
            cell: (a) =>
              manage && a.status === "active" ? (
                <Action label="Revoke" confirm={`Revoke ${a.workspaceName}'s ${a.type} authorization?`} run={() => api.revokeAuthorization(client, a.id).then(() => setTick((t) => t + 1))} />
              ) : manage && a.type === "workspace" ? (
                <button type="button" onClick={() => (setSent(null), setRegrant(a))}>
                  Grant again…
                </button>
              ) : null,
          },
        ]}
      />
    </section>
  );
}

const platforms: [Platform, string][] = [
  ["ios", "iOS"],
  ["android", "Android"],
];

export function Apps(_: RouteProps) {
  const { client, can } = useApp();
  const paged = usePaged((cursor) => api.listApps(client, { cursor, limit: 25 }), []);
  const manage = can(TENANT, "tenant:manage");
  const [f, setF] = useState({ name: "", platform: "ios" as Platform, bundleId: "", description: "" });
  const [key] = useState(newIdempotencyKey);
  return (
    <section>
      <Header title="Host apps and keys" sub="Host apps run mini programs; their keys sign runtime requests." />
      {manage && (
        <details>
          <summary class="button">Register a host app</summary>
          <Form
            submit="Register app"
            fields={["name", "platform", "bundleId", "description"]}
            onSubmit={async () => {
              const a = await api.createApp(client, f, key);
              navigate(path("apps", a.id));
            }}
          >
            <TextField label="Name" name="name" value={f.name} onInput={(v) => setF({ ...f, name: v })} />
            <Select label="Platform" name="platform" value={f.platform} onChange={(v) => setF({ ...f, platform: v as Platform })} options={platforms} />
            <TextField label="Bundle id" name="bundleId" value={f.bundleId} onInput={(v) => setF({ ...f, bundleId: v })} placeholder="com.example.superapp" />
            <TextArea label="Description" name="description" value={f.description} onInput={(v) => setF({ ...f, description: v })} />
          </Form>
        </details>
      )}
      <PagedTable<App>
        paged={paged}
        label="Host apps"
        rowKey={(a) => a.id}
        empty={manage ? "No host apps yet. Register one to get its keys." : "No host apps yet."}
        columns={[
          { title: "Name", cell: (a) => <a href={path("apps", a.id)}>{a.name}</a> },
          { title: "Platform", cell: (a) => a.platform },
          { title: "Bundle id", cell: (a) => <code>{a.bundleId}</code> },
          { title: "Active keys", cell: (a) => a.activeKeys },
          { title: "Status", cell: (a) => <Badge value={a.status} /> },
        ]}
      />
    </section>
  );
}

/** AppEdit changes a host app's name, bundle id and description (its platform stays). */
function AppEdit({ a, onSaved }: { a: App & { etag?: string }; onSaved: (a: App) => void }) {
  const { client } = useApp();
  const [f, setF] = useState({ name: a.name, bundleId: a.bundleId, description: a.description ?? "" });
  const [saved, setSaved] = useState(false);
  return (
    <details>
      <summary class="button">Edit app</summary>
      {saved && (
        <p class="notice ok" role="status">
          Saved.
        </p>
      )}
      <Form
        submit="Save app"
        fields={["name", "bundleId", "description"]}
        onSubmit={async () => {
          setSaved(false);
          onSaved(await api.patchApp(client, a.id, { name: f.name.trim(), bundleId: f.bundleId.trim(), description: f.description }, a.etag ?? etag(a.version)));
          setSaved(true);
        }}
      >
        <TextField label="Name" name="name" value={f.name} onInput={(v) => setF({ ...f, name: v })} />
        <TextField label="Bundle id" name="bundleId" value={f.bundleId} onInput={(v) => setF({ ...f, bundleId: v })} />
        <TextArea label="Description" name="description" value={f.description} onInput={(v) => setF({ ...f, description: v })} rows={2} />
      </Form>
    </details>
  );
}

export function AppDetail({ params }: RouteProps) {
  const { client, can } = useApp();
  const app = useAsync(() => api.getApp(client, params.app), [params.app]);
  const [tick, setTick] = useState(0);
  const keys = usePaged((cursor) => api.listAppKeys(client, params.app, { cursor, limit: 25 }), [params.app, tick]);
  const [created, setCreated] = useState<CreatedAppKey | null>(null);
  const manage = can(TENANT, "tenant:manage");
  return (
    <Loaded a={app}>
      {(a) => (
        <section>
          <Header title={a.name} sub={`${a.platform} · ${a.bundleId}`}>
            {manage && (
              <Action
                label="Create key"
                kind="primary"
                run={async () => {
                  setCreated(await api.createAppKey(client, a.id));
                  setTick((t) => t + 1);
                }}
              />
            )}
            {manage && (
              <Action
                label="Create assertion key"
                run={async () => {
                  setCreated(await api.createAppKey(client, a.id, "assertions"));
                  setTick((t) => t + 1);
                }}
              />
            )}
          </Header>
          {manage && (
            <p>
              Status <Badge value={a.status} />{" "}
              <Action
                label={a.status === "active" ? "Disable app" : "Enable app"}
                run={async () => app.set(await api.patchApp(client, a.id, { status: a.status === "active" ? "disabled" : "active" }, a.etag ?? etag(a.version)))}
              />
            </p>
          )}
          {created && <Secret label={`Secret of key ${created.keyId}.`} value={created.secret} />}
          {manage && <AppEdit a={a} onSaved={app.set} />}
          <h2>Keys</h2>
          <p class="muted">
            Up to 5 active keys, so you can rotate: create a new key, deploy it, then revoke the old one. A request key ships in the host app and signs its
            runtime requests; an assertion key stays on the host app's back end and signs the user assertions that unlock tester builds.
          </p>
          <PagedTable
            paged={keys}
            label="Keys"
            rowKey={(k) => k.keyId}
            empty="No keys yet. Create one; its secret is shown once."
            columns={[
              { title: "Key id", cell: (k) => <code>{k.keyId}</code> },
              { title: "Signs", cell: (k) => (k.use === "assertions" ? "user assertions" : "requests") },
              { title: "Status", cell: (k) => <Badge value={k.status} /> },
              { title: "Created", cell: (k) => <When at={k.createdAt} /> },
              { title: "Last used", cell: (k) => <When at={k.lastUsedAt} /> },
              {
                title: "Actions",
                cell: (k) =>
                  manage && k.status === "active" ? (
                    <Action label="Revoke" confirm="Revoke this key? Host apps using it stop working." run={() => api.revokeAppKey(client, a.id, k.keyId).then(() => setTick((t) => t + 1))} />
                  ) : null,
              },
            ]}
          />
        </section>
      )}
    </Loaded>
  );
}

const feedbackStatuses: [string, string][] = [
  ["", "All"],
  ["open", "Open"],
  ["handled", "Handled"],
];

export function FeedbackList(_: RouteProps) {
  const { client } = useApp();
  const [status, setStatus] = useState("open");
  const [tick, setTick] = useState(0);
  const paged = usePaged((cursor) => api.listFeedback(client, { cursor, limit: 25, status: (status || undefined) as FeedbackStatus | undefined }), [status, tick]);
  return (
    <section>
      <Header title="Feedback" sub="What console users reported." />
      <div class="filters">
        <Select label="Status" name="status" value={status} onChange={setStatus} options={feedbackStatuses} />
      </div>
      <PagedTable<Feedback>
        paged={paged}
        label="Feedback"
        rowKey={(f) => f.id}
        empty={status === "open" ? "No open feedback: everything is handled." : "No feedback yet."}
        columns={[
          { title: "When", cell: (f) => <When at={f.createdAt} /> },
          { title: "From", cell: (f) => f.email ?? f.userId },
          { title: "Category", cell: (f) => f.category },
          {
            title: "Text",
            cell: (f) => (
              <>
                <span class="pre">{f.text}</span>
                {f.screenshotUrl && (
                  <a class="shot" href={f.screenshotUrl} target="_blank" rel="noopener noreferrer">
                    <img src={f.screenshotUrl} alt="Screenshot" />
                  </a>
                )}
              </>
            ),
          },
          { title: "Status", cell: (f) => <Badge value={f.status} /> },
          {
            title: "Actions",
            cell: (f) =>
              f.status === "open" ? (
                <Action label="Mark handled" run={() => api.patchFeedback(client, f.id, { status: "handled" }, etag(f.version)).then(() => setTick((t) => t + 1))} />
              ) : (
                <Action label="Reopen" run={() => api.patchFeedback(client, f.id, { status: "open" }, etag(f.version)).then(() => setTick((t) => t + 1))} />
              ),
          },
        ]}
      />
    </section>
  );
}

const categories: [FeedbackCategory, string][] = [
  ["bug", "Something is broken"],
  ["suggestion", "Suggestion"],
  ["question", "Question"],
  ["other", "Other"],
];

export function NewFeedback(_: RouteProps) {
  const { client } = useApp();
  const [category, setCategory] = useState<FeedbackCategory>("bug");
  const [text, setText] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [key, setKey] = useState(newIdempotencyKey);
  const [sent, setSent] = useState(false);
  if (sent)
    return (
      <Empty>
        Thank you: the platform team will read your feedback.{" "}
        <button type="button" class="link" onClick={() => (setText(""), setFile(null), setKey(newIdempotencyKey()), setSent(false))}>
          Send more
        </button>
      </Empty>
    );
  return (
    <section>
      <Header title="Send feedback" />
      <Form
        submit="Send"
        fields={["category", "text", "screenshot"]}
        onSubmit={async () => {
          let screenshot: string | undefined;
          if (file) {
            const type = file.type as "image/png" | "image/jpeg";
            if (type !== "image/png" && type !== "image/jpeg") throw new Error("The screenshot must be a PNG or JPEG image.");
            const s = await api.createScreenshot(client, { contentType: type, size: file.size, sha256: await sha256Hex(file) });
            await put(s.upload, file, () => {});
            screenshot = s.screenshot;
          }
          await api.createFeedback(client, { category, text, screenshot }, key);
          setSent(true);
        }}
      >
        <Select label="Category" name="category" value={category} onChange={(v) => setCategory(v as FeedbackCategory)} options={categories} />
        <TextArea label="What happened?" name="text" value={text} onInput={setText} rows={6} />
        <label>
          Screenshot (optional){" "}
          <input type="file" accept="image/png,image/jpeg" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
        </label>
      </Form>
    </section>
  );
}
