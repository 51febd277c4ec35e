// The catalog: JSAPIs and features (with their history). Everyone signed in
// reads it; tenant admins edit it.
import { useState } from "preact/hooks";
import { newIdempotencyKey } from "../api/client";
import * as api from "../api/endpoints";
import { Feature, JSAPI, JSAPIStatus, Platform } from "../api/types";
import { RouteProps, TENANT, useApp } from "../context";
import { etag } from "../lib/etag";
import { useAsync, usePaged } from "../lib/hooks";
import { navigate, path } from "../lib/router";
import { Action, FieldMessage, Form, Select, TextArea, TextField } from "../ui/form";
import { Badge, Header, Loaded, PagedTable, When } from "../ui/data";

export function JSAPIs(_: RouteProps) {
  const { client, can } = useApp();
  const [q, setQ] = useState("");
  const [status, setStatus] = useState("");
  const [os, setOS] = useState("");
  const [tick, setTick] = useState(0);
  const paged = usePaged((cursor) => api.listJSAPIs(client, { cursor, limit: 25, q: q || undefined, status: (status || undefined) as JSAPIStatus | undefined, os: (os || undefined) as Platform | undefined }), [q, status, os, tick]);
  const manage = can(TENANT, "tenant:manage");
  const [f, setF] = useState({ name: "", description: "", ios: true, android: true, needsUserAuthorization: false });
  const [key, setKey] = useState(newIdempotencyKey);
  return (
    <section>
      <Header title="JSAPIs" sub="The JavaScript APIs host apps offer to mini programs." />
      {manage && (
        <details>
          <summary class="button">Add a JSAPI</summary>
          <Form
            submit="Add JSAPI"
            fields={["name", "description", "supportedOS"]}
            onSubmit={async () => {
              await api.createJSAPI(client, { name: f.name.trim(), description: f.description, supportedOS: [...(f.ios ? ["ios" as const] : []), ...(f.android ? ["android" as const] : [])], needsUserAuthorization: f.needsUserAuthorization }, key);
              setKey(newIdempotencyKey());
              setF({ ...f, name: "", description: "" });
              setTick((t) => t + 1);
            }}
          >
            <TextField label="Name" name="name" value={f.name} onInput={(v) => setF({ ...f, name: v })} placeholder="getLocation" />
            <TextArea label="Description" name="description" value={f.description} onInput={(v) => setF({ ...f, description: v })} rows={2} />
            <fieldset class="checks">
              <legend>Supported on</legend>
              <label>
                <input type="checkbox" checked={f.ios} onChange={(e) => setF({ ...f, ios: (e.target as HTMLInputElement).checked })} /> iOS
              </label>
              <label>
                <input type="checkbox" checked={f.android} onChange={(e) => setF({ ...f, android: (e.target as HTMLInputElement).checked })} /> Android
              </label>
              <label>
                <input type="checkbox" checked={f.needsUserAuthorization} onChange={(e) => setF({ ...f, needsUserAuthorization: (e.target as HTMLInputElement).checked })} /> Needs the user's authorization
              </label>
            </fieldset>
          </Form>
        </details>
      )}
      <div class="filters">
        <TextField label="Name starts with" name="q" value={q} onInput={setQ} />
        <Select label="Status" name="status" value={status} onChange={setStatus} options={[["", "Any"], ["active", "Active"], ["deprecated", "Deprecated"]]} />
        <Select label="OS" name="os" value={os} onChange={setOS} options={[["", "Any"], ["ios", "iOS"], ["android", "Android"]]} />
      </div>
      <PagedTable<JSAPI>
        paged={paged}
        label="JSAPIs"
        rowKey={(j) => j.name}
        empty={q || status || os ? "No JSAPI matches these filters." : manage ? "No JSAPIs yet. Add the first one above." : "No JSAPIs yet."}
        columns={[
          {
            title: "Name",
            cell: (j) => (
              <a href={path("catalog", "jsapis", j.name)}>
                <code>{j.name}</code>
              </a>
            ),
          },
          { title: "Description", cell: (j) => j.description },
          { title: "OS", cell: (j) => j.supportedOS.join(", ") },
          { title: "Status", cell: (j) => <Badge value={j.status} /> },
          ...(manage
            ? [
                {
                  title: "Actions",
                  cell: (j: JSAPI) => (
                    <Action
                      label={j.status === "active" ? "Deprecate" : "Reactivate"}
                      run={() => api.patchJSAPI(client, j.name, { status: j.status === "active" ? "deprecated" : "active" }, etag(j.version)).then(() => setTick((t) => t + 1))}
                    />
                  ),
                },
              ]
            : []),
        ]}
      />
    </section>
  );
}

export function Features(_: RouteProps) {
  const { client, can } = useApp();
  const paged = usePaged((cursor) => api.listFeatures(client, { cursor, limit: 25 }), []);
  const manage = can(TENANT, "tenant:manage");
  const [f, setF] = useState({ name: "", description: "", jsapis: "" });
  const [key] = useState(newIdempotencyKey);
  return (
    <section>
      <Header title="Features" sub="Bundles of JSAPIs that mini programs request and the platform grants." />
      {manage && (
        <details>
          <summary class="button">Add a feature</summary>
          <Form
            submit="Add feature"
            fields={["name", "description", "jsapis"]}
            onSubmit={async () => {
              const x = await api.createFeature(client, { name: f.name.trim(), description: f.description, jsapis: splitList(f.jsapis) }, key);
              navigate(path("catalog", "features", x.id));
            }}
          >
            <TextField label="Name" name="name" value={f.name} onInput={(v) => setF({ ...f, name: v })} />
            <TextArea label="Description" name="description" value={f.description} onInput={(v) => setF({ ...f, description: v })} rows={2} />
            <TextField label="JSAPIs (comma-separated)" name="jsapis" value={f.jsapis} onInput={(v) => setF({ ...f, jsapis: v })} hint="Each must exist in the JSAPI catalog." />
          </Form>
        </details>
      )}
      <PagedTable<Feature>
        paged={paged}
        label="Features"
        rowKey={(x) => x.id}
        empty={manage ? "No features yet. Add JSAPIs first, then a feature that bundles them." : "No features yet."}
        columns={[
          { title: "Name", cell: (x) => <a href={path("catalog", "features", x.id)}>{x.name}</a> },
          { title: "JSAPIs", cell: (x) => x.jsapis.join(", ") },
          { title: "Updated", cell: (x) => <When at={x.updatedAt} /> },
        ]}
      />
    </section>
  );
}

export const splitList = (s: string) => s.split(/[\s,]+/).filter(Boolean);

/** JSAPIDetail shows one JSAPI; tenant admins edit it (everything but its name). */
export function JSAPIDetail({ params }: RouteProps) {
  const { client, can } = useApp();
  const jsapi = useAsync(() => api.getJSAPI(client, params.name), [params.name]);
  const manage = can(TENANT, "tenant:manage");
  return (
    <Loaded a={jsapi}>
      {(x) => (
        <section>
          <Header title={x.name} sub={x.description || "No description."}>
            <Badge value={x.status} />
          </Header>
          <dl class="facts">
            <dt>Supported on</dt>
            <dd>{x.supportedOS.map((o) => (o === "ios" ? "iOS" : "Android")).join(", ")}</dd>
            <dt>User's authorization</dt>
            <dd>{x.needsUserAuthorization ? "Needed: the host app asks the user first" : "Not needed"}</dd>
            <dt>Added</dt>
            <dd>
              <When at={x.createdAt} />
            </dd>
            <dt>Last changed</dt>
            <dd>
              <When at={x.updatedAt} />
            </dd>
          </dl>
          {manage && <JSAPIEdit x={x} onSaved={jsapi.set} />}
          <p>
            <a href="/catalog/jsapis">All JSAPIs</a>
          </p>
        </section>
      )}
    </Loaded>
  );
}

function JSAPIEdit({ x, onSaved }: { x: JSAPI & { etag?: string }; onSaved: (j: JSAPI) => void }) {
  const { client } = useApp();
  const [f, setF] = useState({
    description: x.description,
    ios: x.supportedOS.includes("ios"),
    android: x.supportedOS.includes("android"),
    needsUserAuthorization: x.needsUserAuthorization,
    status: x.status,
  });
  const [saved, setSaved] = useState(false);
  return (
    <>
      <h2>Edit</h2>
      {saved && (
        <p class="notice ok" role="status">
          Saved.
        </p>
      )}
      <Form
        submit="Save JSAPI"
        fields={["description", "supportedOS", "needsUserAuthorization", "status"]}
        check={() => ({ supportedOS: !f.ios && !f.android && "Choose at least one OS the JSAPI works on." })}
        onSubmit={async () => {
          setSaved(false);
          const supportedOS = [...(f.ios ? ["ios" as const] : []), ...(f.android ? ["android" as const] : [])];
          onSaved(await api.patchJSAPI(client, x.name, { description: f.description, supportedOS, needsUserAuthorization: f.needsUserAuthorization, status: f.status }, x.etag ?? etag(x.version)));
          setSaved(true);
        }}
      >
        <TextArea label="Description" name="description" value={f.description} onInput={(v) => setF({ ...f, description: v })} rows={2} />
        <fieldset class="checks">
          <legend>Supported on</legend>
          <label>
            <input type="checkbox" checked={f.ios} onChange={(e) => setF({ ...f, ios: (e.target as HTMLInputElement).checked })} /> iOS
          </label>
          <label>
            <input type="checkbox" checked={f.android} onChange={(e) => setF({ ...f, android: (e.target as HTMLInputElement).checked })} /> Android
          </label>
          <label>
            <input type="checkbox" checked={f.needsUserAuthorization} onChange={(e) => setF({ ...f, needsUserAuthorization: (e.target as HTMLInputElement).checked })} /> Needs the user's
            authorization
          </label>
        </fieldset>
        <FieldMessage name="supportedOS" label="Supported on" />
        <Select label="Status" name="status" value={f.status} onChange={(v) => setF({ ...f, status: v as JSAPIStatus })} options={[["active", "Active"], ["deprecated", "Deprecated: mini programs should stop calling it"]]} />
      </Form>
    </>
  );
}

export function FeatureDetail({ params }: RouteProps) {
  const { client, can } = useApp();
  const feature = useAsync(() => api.getFeature(client, params.id), [params.id]);
  const [tick, setTick] = useState(0);
  const history = usePaged((cursor) => api.listFeatureHistory(client, params.id, { cursor, limit: 20 }), [params.id, tick]);
  const [jsapis, setJSAPIs] = useState<string | null>(null);
  const [description, setDescription] = useState<string | null>(null);
  const manage = can(TENANT, "tenant:manage");
  return (
    <Loaded a={feature}>
      {(x) => (
        <section>
          <Header title={x.name} sub={x.description} />
          {manage ? (
            <Form
              submit="Save"
              fields={["jsapis", "description"]}
              onSubmit={async () => {
                feature.set(await api.patchFeature(client, x.id, { jsapis: splitList(jsapis ?? x.jsapis.join(", ")), description: description ?? x.description }, x.etag ?? etag(x.version)));
                setTick((t) => t + 1);
              }}
            >
              <TextArea label="Description" name="description" value={description ?? x.description} onInput={setDescription} rows={2} />
              <TextField label="JSAPIs (comma-separated)" name="jsapis" value={jsapis ?? x.jsapis.join(", ")} onInput={setJSAPIs} />
            </Form>
          ) : (
            <p>JSAPIs: {x.jsapis.join(", ")}</p>
          )}
          <h2>History</h2>
          <PagedTable
            paged={history}
            label="Feature history"
            rowKey={(h) => h.id}
            empty="No history."
            columns={[
              { title: "When", cell: (h) => <When at={h.at} /> },
              { title: "By", cell: (h) => h.byEmail ?? h.by ?? "—" },
              { title: "What", cell: (h) => h.action },
              {
                title: "Changes",
                cell: (h) => (
                  <ul class="changes">
                    {Object.entries(h.changes).map(([k, c]) => (
                      <li key={k}>
                        <strong>{k}</strong>: {show(c?.from)} → {show(c?.to)}
                      </li>
                    ))}
                  </ul>
                ),
              },
            ]}
          />
        </section>
      )}
    </Loaded>
  );
}

const show = (v: unknown) => (v === null || v === undefined ? "—" : Array.isArray(v) ? v.join(", ") || "none" : String(v));

