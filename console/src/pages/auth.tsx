// Pages before (or while) signing in: sign-in with the first-sign-in password
// change, applying for a developer account, and accepting an invitation.
import { useState } from "preact/hooks";
import { newIdempotencyKey } from "../api/client";
import { acceptInvitation, acceptTerms, getMe, getTerms, submitApplication } from "../api/endpoints";
import { ApplicationReceipt, TermsStanding } from "../api/types";
import { RouteProps, useServices } from "../context";
import { navigate } from "../lib/router";
import { Checkbox, FieldErrors, Form, TextArea, TextField } from "../ui/form";
import { passwordPolicy, passwordProblem } from "../lib/password";
import { CognitoError } from "../session/cognito";
import { Empty, Loaded } from "../ui/data";
import { useAsync } from "../lib/hooks";

/** safeNext keeps a post-sign-in redirect inside the console. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/signin") ? next : "/";
}

export function SignIn({ location }: RouteProps) {
  const { cognito, session } = useServices();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [challenge, setChallenge] = useState<string | null>(null);
  const [newPassword, setNewPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const next = safeNext(location.path === "/signin" ? location.query.get("next") : location.path + (location.query.size ? "?" + location.query : ""));

  const done = () => navigate(next, { replace: true });

  if (challenge) {
    return (
      <Centered title="Choose a new password">
        <p>This is your first sign-in with a temporary password. Choose your own password to continue.</p>
        <Form
          submit="Set password and sign in"
          fields={["newPassword", "confirm"]}
          check={() => ({ newPassword: passwordProblem(newPassword), confirm: newPassword !== confirm && "The two passwords differ: type the same one twice." })}
          onSubmit={async () => {
            session.signedIn(await onPassword("newPassword", cognito.setNewPassword(email, challenge, newPassword)));
            done();
          }}
        >
          <TextField label="New password" name="newPassword" type="password" autocomplete="new-password" value={newPassword} onInput={setNewPassword} hint={passwordPolicy} />
          <TextField label="Repeat the new password" name="confirm" type="password" autocomplete="new-password" value={confirm} onInput={setConfirm} />
        </Form>
      </Centered>
    );
  }
  return (
    <Centered title="Sign in">
      <Form
        submit="Sign in"
        onSubmit={async () => {
          if (!email || !password) throw new Error("Enter your email and password.");
          const r = await cognito.signIn(email.trim(), password);
          if (r.kind === "newPasswordRequired") setChallenge(r.session);
          else {
            session.signedIn(r.tokens);
            done();
          }
        }}
      >
        <TextField label="Email" name="email" type="email" autocomplete="username" value={email} onInput={setEmail} />
        <TextField label="Password" name="password" type="password" autocomplete="current-password" value={password} onInput={setPassword} />
      </Form>
      <p class="muted">
        <a href="/reset-password">Forgot your password?</a> · New merchant? <a href="/apply">Apply for a developer account</a>.
      </p>
    </Centered>
  );
}

/**
 * TermsGate stands before the whole console while the signed-in user has not
 * accepted the platform's current terms of service (a new version was
 * published since they last accepted): they accept, or sign out.
 */
export function TermsGate({ terms, onAccepted }: { terms: TermsStanding; onAccepted: () => void }) {
  const { client, session } = useServices();
  const [accepted, setAccepted] = useState(false);
  return (
    <Centered title="Accept the new terms of service">
      <p>
        The platform published version {terms.version} of its terms of service on {new Date(terms.publishedAt).toLocaleDateString()}. Read them and accept
        them to continue using the console.
      </p>
      <p>
        <a href={terms.url} target="_blank" rel="noopener noreferrer">
          Read the terms of service, version {terms.version} (opens in a new tab)
        </a>
      </p>
      <Form
        submit="Accept and continue"
        fields={["version"]}
        check={() => ({ version: !accepted && "Tick the box to accept the terms, or sign out." })}
        onSubmit={async () => {
          await acceptTerms(client, terms.version);
          onAccepted();
        }}
        secondary={
          <button type="button" onClick={() => (session.signOut(), navigate("/signin"))}>
            Sign out
          </button>
        }
      >
        <Checkbox label="Terms of service" name="version" checked={accepted} onChange={setAccepted}>
          I have read and accept the terms of service, version {terms.version}
        </Checkbox>
      </Form>
    </Centered>
  );
}

/** ResetPassword sends a code to the user's email, then sets a new password with it. */
export function ResetPassword(_: RouteProps) {
  const { cognito } = useServices();
  const [email, setEmail] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  if (done) {
    return (
      <Centered title="Password changed">
        <p role="status">Your new password is set.</p>
        <a href="/signin">Sign in</a>
      </Centered>
    );
  }
  if (sentTo === null) {
    return (
      <Centered title="Reset your password">
        <p>Enter your email: we send you a code to choose a new password.</p>
        <Form
          submit="Send code"
          onSubmit={async () => {
            if (!email.trim()) throw new Error("Enter your email.");
            setSentTo(await cognito.forgotPassword(email.trim()));
          }}
        >
          <TextField label="Email" name="email" type="email" autocomplete="username" value={email} onInput={setEmail} />
        </Form>
        <p class="muted">
          <a href="/signin">Back to sign-in</a>
        </p>
      </Centered>
    );
  }
  return (
    <Centered title="Choose a new password">
      <p role="status">If an account uses this email, a code is on its way{sentTo ? ` to ${sentTo}` : ""}.</p>
      <Form
        submit="Set new password"
        fields={["code", "password"]}
        check={() => ({ code: !code.trim() && "Enter the code from the email.", password: passwordProblem(password) })}
        onSubmit={async () => {
          await onPassword("password", cognito.confirmForgotPassword(email.trim(), code.trim(), password));
          setDone(true);
        }}
      >
        <TextField label="Code from the email" name="code" value={code} onInput={setCode} autocomplete="one-time-code" />
        <TextField label="New password" name="password" type="password" autocomplete="new-password" value={password} onInput={setPassword} hint={passwordPolicy} />
      </Form>
      <button type="button" class="link" onClick={() => setSentTo(null)}>
        Send another code
      </button>
    </Centered>
  );
}

/** onPassword shows the user pool's refusal of a password beside the password field. */
async function onPassword<T>(field: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof CognitoError && err.code === "InvalidPasswordException") throw new FieldErrors({ [field]: err.message });
    throw err;
  }
}

function Centered({ title, children }: { title: string; children: preact.ComponentChildren }) {
  return (
    <main class="centered">
      <div class="card">
        <p class="brand">Mini Program Platform</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

export function Apply(_: RouteProps) {
  const { client } = useServices();
  const current = useAsync(() => getTerms(client), []);
  const [f, setF] = useState({ company: "", contactName: "", email: "", country: "", reason: "" });
  const [accepted, setAccepted] = useState(false);
  const [key] = useState(newIdempotencyKey);
  const [receipt, setReceipt] = useState<ApplicationReceipt | null>(null);
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  if (receipt) {
    return (
      <Centered title="Application received">
        <p role="status">
          Thank you. Your application <code>{receipt.id}</code> is <strong>in review</strong>. When the platform approves it, you get an email with
          your sign-in details.
        </p>
        <a href="/signin">Back to sign-in</a>
      </Centered>
    );
  }
  return (
    <Centered title="Apply for a developer account">
      <p>Tell the platform who you are. A reviewer approves the application, and you get an email to sign in.</p>
      <Loaded a={current}>
        {({ terms }) => (
          <Form
            submit="Submit application"
            fields={[...Object.keys(f), "termsVersion"]}
            check={() => ({ termsVersion: terms && !accepted && "Read the terms of service and tick the box to accept them: the platform needs your acceptance to open an account." })}
            onSubmit={async () => setReceipt(await submitApplication(client, { ...f, country: f.country.toUpperCase(), termsVersion: terms?.version }, key))}
          >
            <TextField label="Company" name="company" value={f.company} onInput={set("company")} />
            <TextField label="Contact name" name="contactName" value={f.contactName} onInput={set("contactName")} />
            <TextField label="Email" name="email" type="email" value={f.email} onInput={set("email")} />
            <TextField label="Country (two letters, like SG)" name="country" value={f.country} onInput={set("country")} />
            <TextArea label="What will you build?" name="reason" value={f.reason} onInput={set("reason")} hint="10 to 2,000 characters." />
            {terms && (
              <>
                <p>
                  <a href={terms.url} target="_blank" rel="noopener noreferrer">
                    Read the platform's terms of service (version {terms.version}, opens in a new tab)
                  </a>
                </p>
                <Checkbox label="Terms of service" name="termsVersion" checked={accepted} onChange={setAccepted}>
                  I have read and accept the terms of service, version {terms.version}
                </Checkbox>
              </>
            )}
          </Form>
        )}
      </Loaded>
      <p class="muted">
        Already have an account? <a href="/signin">Sign in</a>.
      </p>
    </Centered>
  );
}

export function AcceptInvitation({ params, location }: RouteProps) {
  const { client, session } = useServices();
  const token = location.query.get("token") ?? "";
  const [accepted, setAccepted] = useState<{ id: string; name?: string; role?: string } | null>(null);
  if (!session.user) return <SignIn params={{}} location={location} />;
  if (!token) {
    return (
      <Centered title="Invitation">
        <Empty>This link has no invitation token. Open the link from your invitation email again.</Empty>
      </Centered>
    );
  }
  if (accepted) {
    return (
      <Centered title="Welcome">
        <p role="status">
          You joined the workspace{accepted.name ? ` ${accepted.name}` : ""}
          {accepted.role ? ` as ${accepted.role}` : ""}.
        </p>
        <a href={`/workspaces/${encodeURIComponent(accepted.id)}`}>Open the workspace</a>
      </Centered>
    );
  }
  return (
    <Centered title="Accept the invitation">
      <p>
        You are signed in as <strong>{session.user.email}</strong>. Accept to join the workspace that invited you.{" "}
        <button type="button" class="link" onClick={() => session.signOut()}>
          Not you? Sign in as someone else
        </button>
      </p>
      <Form
        submit="Accept invitation"
        onSubmit={async () => {
          const id = (await acceptInvitation(client, params.id, token)).workspaceId;
          // Name the workspace and the role now held (the invitation itself is not readable before accepting).
          const m = (await getMe(client).catch(() => undefined))?.memberships.find((x) => x.workspace.id === id);
          setAccepted({ id, name: m?.workspace.name, role: m?.role });
        }}
      >
        <span />
      </Form>
    </Centered>
  );
}
