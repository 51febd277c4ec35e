// Forms: fields that show the API's message for them, and a submit that keeps
// the button busy and shows what went wrong next to what caused it.
import { ComponentChildren, createContext } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api/client";
import { CognitoError } from "../session/cognito";

/** FormErrors is the failure of the last submit, for fields to show their part. */
const FormErrors = createContext<unknown>(undefined);

/** FieldErrors is a failure found before sending: a message per field, shown beside it. */
export class FieldErrors extends Error {
  constructor(readonly fields: Record<string, string>) {
    super("Some fields need your attention: see the messages beside them.");
    this.name = "FieldErrors";
  }
}

/** fieldMessage is what a failure says about one field, from the API or from the form's own checks. */
export function fieldMessage(err: unknown, name: string): string | undefined {
  if (err instanceof ApiError) return err.field(name);
  if (err instanceof FieldErrors) return err.fields[name];
  return undefined;
}

/** sentence makes a field's message a sentence about that field: "is required" beside Company reads "Company is required." */
export function sentence(label: string, message: string): string {
  const m = message.trim();
  if (!m) return m;
  const end = /[.!?]$/.test(m) ? "" : ".";
  if (/^[A-Z0-9]/.test(m)) return m + end;
  const subject = label.replace(/\s*\(.*\)\s*$/, "").trim();
  const named = subject && !/[?:]$/.test(subject) ? subject : "This field";
  return `${named} ${m}${end}`;
}

/** errorText is the sentence to show for any failure. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError || err instanceof CognitoError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function ErrorNotice({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : undefined;
  // Field errors the form shows beside their fields are not repeated here; when
  // every error has its field, there is no banner at all.
  const named = api?.problem.errors ?? (error instanceof FieldErrors ? Object.keys(error.fields).map((field) => ({ field, message: error.fields[field] })) : []);
  const others = named.filter((e) => !fields.includes(e.field));
  if (named.length > 0 && others.length === 0) return null;
  return (
    <div class="notice error" role="alert">
      <p>{errorText(error)}</p>
      {others.length > 0 && (
        <ul>
          {others.map((e) => (
            <li key={e.field}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
      {api?.problem.requestId && (api.status === 0 || api.status >= 500) && <p class="muted small">Request id {api.problem.requestId} (for the platform team)</p>}
    </div>
  );
}

export function Form(props: {
  onSubmit: () => Promise<unknown>;
  submit: string;
  fields?: string[];
  children: ComponentChildren;
  class?: string;
  secondary?: ComponentChildren;
  /** check finds what is wrong before sending (field → sentence); every problem shows at once. */
  check?: () => Record<string, string | false | undefined>;
  /** confirm says what will happen; when given, submitting asks "Yes, …" or Cancel first. */
  confirm?: () => string | undefined;
  /** danger styles the submit (and its confirmation) as destructive. */
  danger?: boolean;
}) {
  const { busy, error, run, setError } = useRun();
  const [asking, setAsking] = useState<string | null>(null);
  function submit(e: Event) {
    e.preventDefault();
    const problems = Object.fromEntries(Object.entries(props.check?.() ?? {}).filter((e): e is [string, string] => !!e[1]));
    if (Object.keys(problems).length > 0) return setError(new FieldErrors(problems));
    setError(undefined);
    const q = props.confirm?.();
    if (q) setAsking(q);
    else run(props.onSubmit);
  }
  const kind = props.danger ? "danger" : "primary";
  return (
    <FormErrors.Provider value={error}>
      <form class={"form " + (props.class ?? "")} onSubmit={submit} noValidate>
        <ErrorNotice error={error} fields={props.fields} />
        {props.children}
        <div class="actions">
          {asking ? (
            <Confirm
              text={asking}
              yes={`Yes, ${props.submit.toLowerCase()}`}
              kind={kind}
              onYes={() => (setAsking(null), run(props.onSubmit))}
              onNo={() => setAsking(null)}
            />
          ) : (
            <button type="submit" class={kind} disabled={busy}>
              {busy ? "Working…" : props.submit}
            </button>
          )}
          {props.secondary}
        </div>
      </form>
    </FormErrors.Provider>
  );
}

/** Confirm asks before an action that changes what users get: what will happen, then Yes or Cancel (focus on Cancel). */
function Confirm(p: { text: string; yes: string; kind: string; onYes: () => void; onNo: () => void }) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div class="confirm" role="group" aria-label="Confirm">
      <p>{p.text}</p>
      <button type="button" class={p.kind} onClick={p.onYes}>
        {p.yes}
      </button>
      <button type="button" ref={cancel} onClick={p.onNo}>
        Cancel
      </button>
    </div>
  );
}

/** useRun runs one request at a time, keeping whether it is running and how it last failed. */
function useRun() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  async function run(f: () => Promise<unknown>) {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await f();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, run, setError };
}

let ids = 0;

/** Field is a labelled control; name is the API's field name for its error. Its hint stays while an error shows. */
export function Field(props: { label: string; name: string; hint?: string; children: (id: string, invalid: boolean, describedBy?: string) => ComponentChildren }) {
  const err = useContext(FormErrors);
  const raw = fieldMessage(err, props.name);
  const message = raw && sentence(props.label, raw);
  const [id] = useState(() => `f${++ids}`);
  const describedBy = [message && `${id}-error`, props.hint && `${id}-hint`].filter(Boolean).join(" ") || undefined;
  return (
    <div class={"field" + (message ? " invalid" : "")}>
      <label for={id}>{props.label}</label>
      {props.children(id, !!message, describedBy)}
      {message && (
        <p class="field-error" id={`${id}-error`} role="alert">
          {message}
        </p>
      )}
      {props.hint && (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

type Setter = (v: string) => void;

export function TextField(p: { label: string; name: string; value: string; onInput: Setter; type?: string; hint?: string; placeholder?: string; required?: boolean; autocomplete?: string }) {
  return (
    <Field label={p.label} name={p.name} hint={p.hint}>
      {(id, invalid, describedBy) => (
        <input
          id={id}
          aria-describedby={describedBy}
          name={p.name}
          type={p.type ?? "text"}
          value={p.value}
          placeholder={p.placeholder}
          required={p.required}
          autocomplete={p.autocomplete}
          aria-invalid={invalid}
          onInput={(e) => p.onInput((e.target as HTMLInputElement).value)}
        />
      )}
    </Field>
  );
}

export function TextArea(p: { label: string; name: string; value: string; onInput: Setter; hint?: string; rows?: number }) {
  return (
    <Field label={p.label} name={p.name} hint={p.hint}>
      {(id, invalid, describedBy) => (
        <textarea id={id} aria-describedby={describedBy} name={p.name} rows={p.rows ?? 4} value={p.value} aria-invalid={invalid} onInput={(e) => p.onInput((e.target as HTMLTextAreaElement).value)} />
      )}
    </Field>
  );
}

export function Select(p: { label: string; name: string; value: string; onChange: Setter; options: [string, string][]; hint?: string }) {
  return (
    <Field label={p.label} name={p.name} hint={p.hint}>
      {(id, invalid, describedBy) => (
        <select id={id} aria-describedby={describedBy} name={p.name} value={p.value} aria-invalid={invalid} onChange={(e) => p.onChange((e.target as HTMLSelectElement).value)}>
          {p.options.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** FieldMessage shows a field's error where a group of controls (a fieldset) stands for that field. */
export function FieldMessage({ name, label }: { name: string; label: string }) {
  const raw = fieldMessage(useContext(FormErrors), name);
  if (!raw) return null;
  return (
    <p class="field-error" role="alert">
      {sentence(label, raw)}
    </p>
  );
}

/** Checkbox is a labelled checkbox (the label may hold a link); its error shows beside it like a field's. */
export function Checkbox(p: { label: string; name: string; checked: boolean; onChange: (v: boolean) => void; children: ComponentChildren }) {
  const err = useContext(FormErrors);
  const raw = fieldMessage(err, p.name);
  const message = raw && sentence(p.label, raw);
  const [id] = useState(() => `f${++ids}`);
  return (
    <div class={"field checkbox" + (message ? " invalid" : "")}>
      <input
        id={id}
        type="checkbox"
        name={p.name}
        checked={p.checked}
        aria-invalid={!!message}
        aria-describedby={message ? `${id}-error` : undefined}
        onChange={(e) => p.onChange((e.target as HTMLInputElement).checked)}
      />{" "}
      <label for={id}>{p.children}</label>
      {message && (
        <p class="field-error" id={`${id}-error`} role="alert">
          {message}
        </p>
      )}
    </div>
  );
}

/** Action is a button that runs one request and shows its failure beside itself. */
export function Action(p: { label: string; run: () => Promise<unknown>; confirm?: string; kind?: "primary" | "danger" | ""; disabled?: boolean; title?: string }) {
  const { busy, error, run } = useRun();
  const [asking, setAsking] = useState(false);
  function go() {
    setAsking(false);
    run(p.run);
  }
  return (
    <span class="action">
      {asking ? (
        <Confirm text={p.confirm!} yes={`Yes, ${p.label.toLowerCase()}`} kind={p.kind || "danger"} onYes={go} onNo={() => setAsking(false)} />
      ) : (
        <button type="button" class={p.kind ?? ""} disabled={busy || p.disabled} title={p.title} onClick={() => (p.confirm ? setAsking(true) : go())}>
          {busy ? "Working…" : p.label}
        </button>
      )}
      {error !== undefined && (
        <span class="inline-error" role="alert">
          {errorText(error)}
        </span>
      )}
    </span>
  );
}
