// Component tests in happy-dom: forms show the API's messages beside their
// fields, confirmed actions need a second click, paged tables page and explain
// empty lists, charts and QR codes render.
import { byText, click, mount, settle, type } from "../test/dom";
import assert from "node:assert/strict";
import { test } from "node:test";
import { useState } from "preact/hooks";
import { ApiError } from "../api/client";
import { usePaged } from "../lib/hooks";
import { Action, Form, TextField, sentence } from "./form";
import { PagedTable } from "./data";
import { LineChart } from "./chart";
import { QRCode } from "./qr";

function InviteForm({ submit }: { submit: (email: string) => Promise<unknown> }) {
  const [email, setEmail] = useState("");
  return (
    <Form submit="Send" fields={["email"]} onSubmit={() => submit(email)}>
      <TextField label="Email" name="email" value={email} onInput={setEmail} />
    </Form>
  );
}

test("a form shows field errors beside the field and the rest in one notice", async () => {
  const sent: string[] = [];
  const el = await mount(
    <InviteForm
      submit={async (email) => {
        sent.push(email);
        throw new ApiError({ type: "t", title: "Bad Request", status: 400, detail: "the invitation is invalid", errors: [{ field: "email", message: "must be an email address" }, { field: "role", message: "must be admin, reviewer or developer" }] });
      }}
    />,
  );
  await type(el.querySelector("input")!, "not-an-email");
  await click(byText(el, "button", "Send"));
  assert.deepEqual(sent, ["not-an-email"]);
  const field = el.querySelector(".field.invalid")!;
  assert.ok(field, "the email field is marked invalid");
  assert.equal(field.querySelector(".field-error")?.textContent, "Email must be an email address.");
  assert.equal(field.querySelector("input")?.getAttribute("aria-invalid"), "true");
  const notice = el.querySelector(".notice.error")!;
  assert.match(notice.textContent!, /The invitation is invalid\./);
  assert.match(notice.textContent!, /role: must be admin, reviewer or developer/);
  assert.doesNotMatch(notice.textContent!, /must be an email address/, "a field's own error is not repeated in the notice");
});

test("a form with every error beside its field shows no banner", async () => {
  const el = await mount(
    <InviteForm submit={async () => { throw new ApiError({ type: "t", title: "Bad Request", status: 400, detail: "the request has invalid fields", requestId: "r-1", errors: [{ field: "email", message: "is required" }] }); }} />,
  );
  await click(byText(el, "button", "Send"));
  assert.equal(el.querySelector(".field-error")?.textContent, "Email is required.");
  assert.equal(el.querySelector(".notice.error"), null, "no banner repeats what the field says");
  assert.doesNotMatch(el.textContent!, /Request id/);
});

function ChangeForm({ submit }: { submit: () => Promise<unknown> }) {
  const [reason, setReason] = useState("");
  const [name, setName] = useState("");
  return (
    <Form
      submit="Take offline"
      danger
      fields={["reason", "name"]}
      check={() => ({ ...(reason.trim() ? {} : { reason: "Say why, for the reviewer." }), ...(name ? {} : { name: "is required" }) })}
      confirm={() => "Users can no longer open it once a reviewer approves."}
      onSubmit={submit}
    >
      <TextField label="Reason" name="reason" value={reason} onInput={setReason} />
      <TextField label="Name" name="name" value={name} onInput={setName} />
    </Form>
  );
}

test("a form's own checks show every problem at once and send nothing; then it asks before it sends", async () => {
  let sent = 0;
  const el = await mount(<ChangeForm submit={async () => sent++} />);
  await click(byText(el, "button", "Take offline"));
  assert.equal(sent, 0);
  assert.deepEqual([...el.querySelectorAll(".field-error")].map((e) => e.textContent), ["Say why, for the reviewer.", "Name is required."]);
  assert.equal(el.querySelector(".notice.error"), null);
  const [reason, name] = [...el.querySelectorAll("input")];
  await type(reason, "legal review");
  await type(name, "x");
  await click(byText(el, "button", "Take offline"));
  assert.equal(sent, 0, "nothing is sent before the confirmation");
  assert.match(el.querySelector(".confirm")!.textContent!, /Users can no longer open it/);
  assert.ok(byText(el, "button", "Yes, take offline").classList.contains("danger"));
  await click(byText(el, "button", "Cancel"));
  assert.equal(sent, 0);
  await click(byText(el, "button", "Take offline"));
  await click(byText(el, "button", "Yes, take offline"));
  assert.equal(sent, 1);
});

test("sentence makes a field's message a sentence about the field", () => {
  for (const [label, message, want] of [
    ["Company", "is required", "Company is required."],
    ["Country (two letters, like SG)", "must be two letters", "Country must be two letters."],
    ["What will you build?", "must be 10 to 2,000 characters", "This field must be 10 to 2,000 characters."],
    ["Email", "Enter an email address.", "Enter an email address."],
    ["Email", "No such user", "No such user."],
  ]) assert.equal(sentence(label, message), want);
});

test("a form clears its errors when a later submit succeeds", async () => {
  let fail = true;
  const el = await mount(<InviteForm submit={async () => { if (fail) throw new Error("The two passwords differ."); }} />);
  await click(byText(el, "button", "Send"));
  assert.match(el.querySelector("[role=alert]")!.textContent!, /passwords differ/);
  fail = false;
  await click(byText(el, "button", "Send"));
  assert.equal(el.querySelector("[role=alert]"), null);
});

test("an action with a confirmation runs only after the second click, and Cancel runs nothing", async () => {
  let runs = 0;
  const el = await mount(<Action label="Remove" confirm="Remove bo@example.com?" run={async () => runs++} />);
  await click(byText(el, "button", "Remove"));
  assert.equal(runs, 0);
  assert.match(el.textContent!, /Remove bo@example.com\?/);
  await click(byText(el, "button", "Cancel"));
  assert.equal(runs, 0);
  await click(byText(el, "button", "Remove"));
  await click(byText(el, "button", "Yes, remove"));
  assert.equal(runs, 1);
});

test("an action shows its failure next to itself", async () => {
  const el = await mount(<Action label="Block" run={async () => { throw new ApiError({ type: "t", title: "Conflict", status: 409, detail: "the last active admin cannot be blocked" }); }} />);
  await click(byText(el, "button", "Block"));
  assert.equal(el.querySelector(".inline-error")?.textContent, "The last active admin cannot be blocked.");
});

function Rows({ pages }: { pages: Record<string, { items: string[]; nextCursor?: string }> }) {
  const paged = usePaged(async (cursor) => pages[cursor ?? ""], []);
  return <PagedTable paged={paged} label="Things" rowKey={(s) => s} empty="Nothing yet: create one." columns={[{ title: "Name", cell: (s) => s }]} />;
}

test("a paged table walks pages forward and back", async () => {
  const el = await mount(<Rows pages={{ "": { items: ["a", "b"], nextCursor: "c1" }, c1: { items: ["c"] } }} />);
  await settle();
  const rows = () => Array.from(el.querySelectorAll("tbody tr")).map((r) => r.textContent);
  assert.deepEqual(rows(), ["a", "b"]);
  assert.equal((byText(el, "button", "Previous") as HTMLButtonElement).disabled, true);
  await click(byText(el, "button", "Next"));
  assert.deepEqual(rows(), ["c"]);
  assert.equal((byText(el, "button", "Next") as HTMLButtonElement).disabled, true);
  assert.match(el.textContent!, /Page 2/);
  await click(byText(el, "button", "Previous"));
  assert.deepEqual(rows(), ["a", "b"]);
});

test("an empty list says what to do next and shows no pager", async () => {
  const el = await mount(<Rows pages={{ "": { items: [] } }} />);
  await settle();
  assert.equal(el.querySelector(".empty")?.textContent, "Nothing yet: create one.");
  assert.equal(el.querySelector(".pager"), null);
  assert.equal(el.querySelector("table"), null);
});

test("a line chart draws one path per series, with a legend when comparing", async () => {
  const el = await mount(
    <LineChart
      label="Page views"
      series={[
        { name: "All versions", points: [{ x: "2026-11-01", y: 1 }, { x: "2026-11-02", y: 3 }] },
        { name: "1.0.0", points: [{ x: "2026-11-02", y: 2 }] },
      ]}
    />,
  );
  assert.equal(el.querySelectorAll("path").length, 2);
  assert.equal(el.querySelectorAll("circle").length, 3);
  assert.match(el.querySelector(".legend")!.textContent!, /All versions.*1\.0\.0/);
  assert.equal(el.querySelector("svg")!.getAttribute("aria-label"), "Page views");
});

test("a QR code is a square SVG whose size grows with its text", async () => {
  const small = await mount(<QRCode text="mpdp://trial?v=1" label="trial" />);
  const big = await mount(<QRCode text={"mpdp://trial?token=" + "x".repeat(300)} label="trial" />);
  const size = (el: HTMLElement) => Number(el.querySelector("svg")!.getAttribute("viewBox")!.split(" ")[2]);
  assert.ok(size(small) >= 21 + 4, "at least a version 1 code with its border");
  assert.ok(size(big) > size(small));
  assert.match(small.querySelector("path")!.getAttribute("d")!, /^M\d+ \d+h1v1h-1z/);
});
