// Workspace settings: branding images (uploaded through presigned URLs, with a
// preview), email, domains, About Us URL and versioned terms of service.
import { useState } from "preact/hooks";
import * as api from "../api/endpoints";
import { SettingsView } from "../api/types";
import { RouteProps, TENANT, useApp } from "../context";
import { etag } from "../lib/etag";
import { useAsync } from "../lib/hooks";
import { Form, TextField } from "../ui/form";
import { ImageField } from "../parts/image";
import { Header, Loaded, When, Table } from "../ui/data";

export function Settings({ params }: RouteProps) {
  const { client, can } = useApp();
  const s = useAsync(() => api.getSettings(client, params.ws), [params.ws]);
  const manage = can(params.ws, "workspace:manage");
  return (
    <section>
      <Header title="Settings" sub={manage ? undefined : "Only admins change settings."} />
      <Loaded a={s}>{(v) => <SettingsForm ws={params.ws} v={v} manage={manage} onSaved={s.set} />}</Loaded>
    </section>
  );
}

function SettingsForm({ ws, v, manage, onSaved }: { ws: string; v: SettingsView & { etag?: string }; manage: boolean; onSaved: (v: SettingsView) => void }) {
  const { client } = useApp();
  const [f, setF] = useState(() => ({ ...v.branding, ...v.email, ...v.domains, aboutUsUrl: v.aboutUsUrl }));
  const [notifications, setNotifications] = useState(v.email.notifications);
  const [saved, setSaved] = useState(false);
  const [terms, setTerms] = useState("");
  const set = (k: keyof typeof f) => (x: string) => (setF({ ...f, [k]: x }), setSaved(false));
  return (
    <>
      <fieldset disabled={!manage}>
        <Form
          submit="Save settings"
          fields={["branding.logo", "branding.favicon", "email.senderAddress", "email.senderName", "domains.console", "domains.api", "aboutUsUrl"]}
          secondary={saved && <span role="status">Saved.</span>}
          onSubmit={async () => {
            const next = await api.putSettings(
              client,
              ws,
              {
                branding: { logo: f.logo, favicon: f.favicon },
                email: { senderAddress: f.senderAddress, senderName: f.senderName, notifications },
                domains: { console: f.console, api: f.api },
                aboutUsUrl: f.aboutUsUrl,
              },
              v.etag ?? etag(v.version),
            );
            onSaved(next);
            setSaved(true);
          }}
        >
          <h2>Branding</h2>
          <div class="row">
            <ImageField ws={ws} kind="logo" label="Logo" value={f.logo} url={v.brandingUrls?.logo} onChange={set("logo")} hint="Square PNG, JPEG, WebP or SVG, up to 1 MB." />
            <ImageField ws={ws} kind="favicon" label="Favicon" value={f.favicon} url={v.brandingUrls?.favicon} onChange={set("favicon")} hint="Square ICO or PNG, 16 to 256 pixels." />
          </div>
          <h2>Email</h2>
          <TextField label="Sender address" name="email.senderAddress" type="email" value={f.senderAddress} onInput={set("senderAddress")} />
          <TextField label="Sender name" name="email.senderName" value={f.senderName} onInput={set("senderName")} />
          <fieldset class="checks">
            <legend>Send emails about</legend>
            {(Object.keys(notifications) as (keyof typeof notifications)[]).map((k) => (
              <label key={k}>
                <input type="checkbox" checked={notifications[k]} onChange={(e) => setNotifications({ ...notifications, [k]: (e.target as HTMLInputElement).checked })} />{" "}
                {k.replace(/([A-Z])/g, " $1").toLowerCase()}
              </label>
            ))}
          </fieldset>
          <h2>Domains</h2>
          <TextField label="Console domain" name="domains.console" value={f.console} onInput={set("console")} placeholder="console.example.com" />
          <TextField label="API domain" name="domains.api" value={f.api} onInput={set("api")} placeholder="api.example.com" />
          <h2>About Us</h2>
          <TextField label="About Us URL" name="aboutUsUrl" type="url" value={f.aboutUsUrl} onInput={set("aboutUsUrl")} placeholder="https://example.com/about" />
        </Form>
      </fieldset>
      <h2>Terms of service</h2>
      {ws === TENANT && (
        <p>
          These are the platform's terms: applicants accept the current version when they apply, and every user accepts each new version at their next
          sign-in.
        </p>
      )}
      {v.terms ? (
        <p>
          Version {v.terms.version}: <a href={v.terms.url} target="_blank" rel="noopener noreferrer">{v.terms.url}</a>, published <When at={v.terms.publishedAt} />.
        </p>
      ) : (
        <p class="muted">No terms published yet.</p>
      )}
      {manage && (
        <Form
          class="inline"
          submit="Publish new version"
          fields={["url"]}
          confirm={() =>
            ws === TENANT ? `Publish version ${(v.terms?.version ?? 0) + 1}? Every user must accept it before they use the console again, you too.` : undefined
          }
          onSubmit={async () => {
            onSaved(await api.publishTerms(client, ws, { url: terms.trim() }));
            setTerms("");
          }}
        >
          <TextField label="Terms URL" name="url" type="url" value={terms} onInput={setTerms} placeholder="https://example.com/terms" />
        </Form>
      )}
      {v.termsHistory.length > 0 && (
        <Table
          label="Terms history"
          rows={v.termsHistory}
          rowKey={(t) => String(t.version)}
          columns={[
            { title: "Version", cell: (t) => t.version },
            { title: "URL", cell: (t) => t.url },
            { title: "Published", cell: (t) => <When at={t.publishedAt} /> },
          ]}
        />
      )}
    </>
  );
}

