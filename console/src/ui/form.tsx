// Forms: fields that show the API's message for them, and a submit that keeps
// the button busy and shows what went wrong next to what caused it.
import { ComponentChildren, createContext } from "preact";
import { useContext, useState } from "preact/hooks";
import { ApiError } from "../api/client";
import { CognitoError } from "../session/cognito";

/** FormErrors is the failure of the last submit, for fields to show their part. */
const FormErrors = createContext<unknown>(undefined);

/** errorText is the sentence to show for any failure. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError || err instanceof CognitoError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function ErrorNotice({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : undefined;
  // Field errors the form shows beside their fields are not repeated here.
  const others = api?.problem.errors?.filter((e) => !fields.includes(e.field)) ?? [];
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
      {api?.problem.requestId && <p class="muted small">Request id {api.problem.requestId}</p>}
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
}) {
  const { busy, error, run } = useRun();
  function submit(e: Event) {
    e.preventDefault();
    run(props.onSubmit);
  }
  return (
    <FormErrors.Provider value={error}>
      <form class={"form " + (props.class ?? "")} onSubmit={submit} noValidate>
        <ErrorNotice error={error} fields={props.fields} />
        {props.children}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Working…" : props.submit}
          </button>
          {props.secondary}
        </div>
      </form>
    </FormErrors.Provider>
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
  return { busy, error, run };
}

let ids = 0;

/** Field is a labelled control; name is the API's field name for its error. */
export function Field(props: { label: string; name: string; hint?: string; children: (id: string, invalid: boolean) => ComponentChildren }) {
  const err = useContext(FormErrors);
  const message = err instanceof ApiError ? err.field(props.name) : undefined;
  const [id] = useState(() => `f${++ids}`);
  return (
    <div class={"field" + (message ? " invalid" : "")}>
      <label for={id}>{props.label}</label>
      {props.children(id, !!message)}
      {message && (
        <p class="field-error" role="alert">
          {message}
        </p>
      )}
      {props.hint && !message && <p class="hint">{props.hint}</p>}
    </div>
  );
}

type Setter = (v: string) => void;

export function TextField(p: { label: string; name: string; value: string; onInput: Setter; type?: string; hint?: string; placeholder?: string; required?: boolean; autocomplete?: string }) {
  return (
    <Field label={p.label} name={p.name} hint={p.hint}>
      {(id, invalid) => (
        <input
          id={id}
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
      {(id, invalid) => (
        <textarea id={id} name={p.name} rows={p.rows ?? 4} value={p.value} aria-invalid={invalid} onInput={(e) => p.onInput((e.target as HTMLTextAreaElement).value)} />
      )}
    </Field>
  );
}

export function Select(p: { label: string; name: string; value: string; onChange: Setter; options: [string, string][]; hint?: string }) {
  return (
    <Field label={p.label} name={p.name} hint={p.hint}>
      {(id, invalid) => (
        <select id={id} name={p.name} value={p.value} aria-invalid={invalid} onChange={(e) => p.onChange((e.target as HTMLSelectElement).value)}>
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
        <span class="confirm" role="group" aria-label={p.confirm}>
          <span>{p.confirm}</span>
          <button type="button" class={p.kind || "danger"} onClick={go}>
            Yes, {p.label.toLowerCase()}
          </button>
          <button type="button" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </span>
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
