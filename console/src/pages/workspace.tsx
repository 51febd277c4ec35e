// Workspace pages: general info, members, invitations, testers.
import { useState } from "preact/hooks";
import { newIdempotencyKey } from "../api/client";
import * as api from "../api/endpoints";
import { Invitation, InvitationWithToken, Member, Role, TesterInput } from "../api/types";
import { RouteProps, useApp } from "../context";
import { etag } from "../lib/etag";
import { useAsync, usePaged } from "../lib/hooks";
import { Action, Form, Select, TextField } from "../ui/form";
import { Badge, Header, Loaded, PagedTable, When, Empty } from "../ui/data";

const roles: [Role, string][] = [
  ["developer", "Developer"],
  ["reviewer", "Reviewer"],
  ["admin", "Admin"],
];

export function Members({ params }: RouteProps) {
  const { client, can, me } = useApp();
  const manage = can(params.ws, "members:manage");
  const [tick, setTick] = useState(0);
  const paged = usePaged((cursor) => api.listMembers(client, params.ws, { cursor, limit: 25 }), [params.ws, tick]);
  const refresh = () => setTick((t) => t + 1);
  const self = me.data?.userId;
  return (
    <section>
      <Header title="Members">{manage && <a class="button primary" href={`/workspaces/${encodeURIComponent(params.ws)}/invitations`}>Invite a member</a>}</Header>
      <PagedTable<Member>
        paged={paged}
        label="Members"
        rowKey={(m) => m.userId}
        empty="No members yet."
        columns={[
          { title: "Email", cell: (m) => <>{m.email}{m.userId === self && <span class="muted"> (you)</span>}</> },
          {
            title: "Role",
            cell: (m) =>
              manage && m.userId !== self ? (
                <RoleSelect m={m} ws={params.ws} onDone={refresh} />
              ) : (
                m.role
              ),
          },
          { title: "Status", cell: (m) => <Badge value={m.status} /> },
          { title: "Joined", cell: (m) => <When at={m.joinedAt} /> },
          ...(manage
            ? [
                {
                  title: "Actions",
                  cell: (m: Member) =>
                    m.userId === self ? null : (
                      <>
                        {m.status === "active" ? (
                          <Action label="Block" confirm={`Block ${m.email}? They keep their row but lose all access.`} run={() => api.blockMember(client, params.ws, m.userId).then(refresh)} />
                        ) : (
                          <Action label="Unblock" run={() => api.unblockMember(client, params.ws, m.userId).then(refresh)} />
                        )}
                        <Action label="Remove" confirm={`Remove ${m.email} from the workspace?`} run={() => api.removeMember(client, params.ws, m.userId).then(refresh)} />
                      </>
                    ),
                },
              ]
            : []),
        ]}
      />
    </section>
  );
}

function RoleSelect({ m, ws, onDone }: { m: Member; ws: string; onDone: () => void }) {
  const { client } = useApp();
  const [error, setError] = useState("");
  return (
    <span>
      <select
        aria-label={`Role of ${m.email}`}
        value={m.role}
        onChange={async (e) => {
          const role = (e.target as HTMLSelectElement).value as Role;
          setError("");
          try {
            await api.patchMember(client, ws, m.userId, role, etag(m.version));
            onDone();
          } catch (err) {
            (e.target as HTMLSelectElement).value = m.role;
            setError((err as Error).message);
          }
        }}
      >
        {roles.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
      {error && (
        <span class="inline-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

export function Invitations({ params }: RouteProps) {
  const { client, can } = useApp();
  const [tick, setTick] = useState(0);
  const paged = usePaged((cursor) => api.listInvitations(client, params.ws, { cursor, limit: 25 }), [params.ws, tick]);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("developer");
  const [key, setKey] = useState(newIdempotencyKey);
  const [created, setCreated] = useState<InvitationWithToken | Invitation | null>(null);
  const refresh = () => setTick((t) => t + 1);
  if (!can(params.ws, "members:manage")) return <Empty>Only admins of this workspace manage invitations.</Empty>;
  return (
    <section>
      <Header title="Invitations" sub="Invitations are emailed with a link that works for 3 days." />
      <Form
        class="inline"
        submit="Send invitation"
        fields={["email", "role"]}
        onSubmit={async () => {
          setCreated(await api.createInvitation(client, params.ws, { email: email.trim(), role }, key));
          setKey(newIdempotencyKey());
          setEmail("");
          refresh();
        }}
      >
        <TextField label="Email" name="email" type="email" value={email} onInput={setEmail} />
        <Select label="Role" name="role" value={role} onChange={(v) => setRole(v as Role)} options={roles} />
      </Form>
      {created && (
        <div class="notice ok" role="status">
          Invitation sent to {created.email}.{" "}
          {"acceptUrl" in created ? (
            <>
              The link was emailed; you can also share it: <code>{created.acceptUrl}</code>
            </>
          ) : (
            "The link was emailed (it is shown only once; resend the invitation for a new one)."
          )}
        </div>
      )}
      <PagedTable
        paged={paged}
        label="Invitations"
        rowKey={(i) => i.id}
        empty="No invitations yet. Invite someone above: they get an email with a link to join."
        columns={[
          { title: "Email", cell: (i) => i.email },
          { title: "Role", cell: (i) => i.role },
          { title: "Status", cell: (i) => <Badge value={i.status} /> },
          { title: "Expires", cell: (i) => <When at={i.expiresAt} /> },
          { title: "Sent", cell: (i) => `${i.sentCount}×` },
          {
            title: "Actions",
            cell: (i) =>
              i.status === "pending" || i.status === "expired" ? (
                <>
                  <Action label="Resend" run={() => api.resendInvitation(client, params.ws, i.id).then(refresh)} />
                  {i.status === "pending" && <Action label="Withdraw" confirm="Withdraw this invitation?" run={() => api.withdrawInvitation(client, params.ws, i.id).then(refresh)} />}
                </>
              ) : null,
          },
        ]}
      />
    </section>
  );
}

export function Testers({ params }: RouteProps) {
  const { client, can } = useApp();
  const t = useAsync(() => api.getTesters(client, params.ws), [params.ws]);
  const manage = can(params.ws, "workspace:manage");
  const [userId, setUserId] = useState("");
  const [note, setNote] = useState("");
  const [unresolved, setUnresolved] = useState<string[]>([]);
  return (
    <section>
      <Header title="Testers" sub="Testers can open ready versions as trials and receive tester launches (at most 100)." />
      <Loaded a={t}>
        {(testers) => {
          const save = async (items: TesterInput[]) => {
            const saved = await api.putTesters(client, params.ws, items, testers.etag ?? etag(testers.version));
            setUnresolved(saved.unresolved);
            t.set(saved);
          };
          return (
            <>
              {manage && (
                <Form
                  class="inline"
                  submit="Add tester"
                  fields={["items"]}
                  onSubmit={async () => {
                    // An email is resolved to that console user's subject; anything else is a super app user id.
                    const id = userId.trim();
                    const added: TesterInput = id.includes("@") ? { email: id } : { userId: id };
                    await save([...testers.items, { ...added, note: note || undefined }]);
                    setUserId("");
                    setNote("");
                  }}
                >
                  <TextField label="User id or email" name="userId" value={userId} onInput={setUserId} />
                  <TextField label="Note" name="note" value={note} onInput={setNote} />
                </Form>
              )}
              {unresolved.length > 0 && (
                <p class="notice error" role="alert">
                  No console user has the verified email {unresolved.join(", ")}: not added. Testers are matched by account, not by address.
                </p>
              )}
              {testers.items.length === 0 ? (
                <Empty>No testers yet. {manage ? "Add a member's user id or email above." : "Ask an admin to add testers."}</Empty>
              ) : (
                <ul class="list" aria-label="Testers">
                  {testers.items.map((x) => (
                    <li key={x.userId}>
                      {x.email ? <span title={x.userId}>{x.email}</span> : <code>{x.userId}</code>} {x.note && <span class="muted">{x.note}</span>}
                      {manage && <Action label="Remove" run={() => save(testers.items.filter((y) => y.userId !== x.userId))} />}
                    </li>
                  ))}
                </ul>
              )}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
