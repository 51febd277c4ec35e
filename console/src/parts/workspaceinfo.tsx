// A workspace's general info: its name, description and contact, edited by its admins.
import { useState } from "preact/hooks";
import * as api from "../api/endpoints";
import { Workspace } from "../api/types";
import { useApp } from "../context";
import { etag } from "../lib/etag";
import { Form, TextArea, TextField } from "../ui/form";
import { When } from "../ui/data";

/** WorkspaceInfo is the form for admins and the facts for everyone else. */
export function WorkspaceInfo({ w, onSaved }: { w: Workspace & { etag?: string }; onSaved: (w: Workspace) => void }) {
  const { can } = useApp();
  return (
    <>
      <h2>General info</h2>
      {can(w.id, "workspace:manage") ? <GeneralInfo w={w} onSaved={onSaved} /> : <GeneralInfoView w={w} />}
    </>
  );
}

function GeneralInfoView({ w }: { w: Workspace }) {
  return (
    <dl class="facts">
      <dt>Description</dt>
      <dd>{w.description || <span class="muted">None yet.</span>}</dd>
      <dt>Contact</dt>
      <dd>
        {w.contact.name} &lt;{w.contact.email}&gt; {w.contact.phone}
      </dd>
      <dt>Created</dt>
      <dd>
        <When at={w.createdAt} />
      </dd>
    </dl>
  );
}

function GeneralInfo({ w, onSaved }: { w: Workspace & { etag?: string }; onSaved: (w: Workspace) => void }) {
  const { client } = useApp();
  const [f, setF] = useState({ name: w.name, description: w.description, contactName: w.contact.name, contactEmail: w.contact.email, contactPhone: w.contact.phone ?? "" });
  const [saved, setSaved] = useState(false);
  const set = (k: keyof typeof f) => (v: string) => (setF({ ...f, [k]: v }), setSaved(false));
  return (
    <>
      <Form
        submit="Save"
        fields={["name", "description", "contact.name", "contact.email", "contact.phone"]}
        onSubmit={async () => {
          const next = await api.patchWorkspace(
            client,
            w.id,
            { name: f.name, description: f.description, contact: { name: f.contactName, email: f.contactEmail, phone: f.contactPhone || undefined } },
            w.etag ?? etag(w.version),
          );
          onSaved(next);
          setSaved(true);
        }}
        secondary={saved && <span role="status">Saved.</span>}
      >
        <TextField label="Name" name="name" value={f.name} onInput={set("name")} />
        <TextArea label="Description" name="description" value={f.description} onInput={set("description")} />
        <TextField label="Contact name" name="contact.name" value={f.contactName} onInput={set("contactName")} />
        <TextField label="Contact email" name="contact.email" type="email" value={f.contactEmail} onInput={set("contactEmail")} />
        <TextField label="Contact phone" name="contact.phone" value={f.contactPhone} onInput={set("contactPhone")} />
      </Form>
    </>
  );
}

