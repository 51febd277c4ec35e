// Unit tests of the home pages', the inbox's and analytics' pure logic.
import assert from "node:assert/strict";
import { test } from "node:test";
import { change, duration, formatMetric, axisTick } from "./format";
import { nextStep, steps } from "./steps";
import { previousRange } from "./range";
import { pageTitle } from "../ui/page";
import { passwordProblem } from "./password";
import { company, miniProgramOf, waited } from "../pages/approvals";
import { Approval } from "../api/types";

test("metrics read in their units, rounded", () => {
  assert.equal(formatMetric("avgSessionMs", 52118.64406779661), "52.1 s");
  assert.equal(formatMetric("avgSessionMs", 185_400), "3 min 5 s");
  assert.equal(formatMetric("visitDepth", 2.3559322033898304), "2.36");
  assert.equal(formatMetric("pageViews", 1234567), "1,234,567");
  assert.equal(duration(850), "850 ms");
  assert.equal(duration(7_440_000), "2 h 4 min");
  assert.equal(axisTick("avgSessionMs", 100_000), "1.7 min");
  assert.equal(axisTick("avgSessionMs", 50_000), "50 s");
  assert.equal(axisTick("pageViews", 20_000), "20k");
  assert.equal(axisTick("pageViews", 2.5), "2.5");
  assert.equal(formatMetric("avgSessionMs", 0), "—");
});

test("change reads the difference against the previous period", () => {
  for (const [now, before, want] of [
    [112, 100, "+12%"],
    [95, 100, "−5%"],
    [100, 100, "no change"],
    [0, 0, "no change"],
    [7, 0, "up from none"],
    [101.5, 100, "+1.5%"],
  ] as const) assert.equal(change(now, before), want, `${now} against ${before}`);
});

test("previousRange is the same number of days just before", () => {
  assert.deepEqual(previousRange("2026-03-08", "2026-03-14"), { from: "2026-03-01", to: "2026-03-07" });
  assert.deepEqual(previousRange("2026-03-01", "2026-03-01"), { from: "2026-02-28", to: "2026-02-28" });
});

test("the first steps are done from what exists, and the next is the first not done", () => {
  const none = steps({ miniPrograms: 0, uploaded: false, invited: false, testers: 0, released: false });
  assert.deepEqual(none.map((s) => s.key), ["create", "upload", "invite", "testers", "launch"]);
  assert.equal(nextStep(none)?.key, "create");
  const some = steps({ miniPrograms: 1, uploaded: true, invited: false, testers: 2, released: false });
  assert.deepEqual(some.filter((s) => s.done).map((s) => s.key), ["create", "upload", "testers"]);
  assert.equal(nextStep(some)?.key, "invite");
  assert.equal(nextStep(steps({ miniPrograms: 1, uploaded: true, invited: true, testers: 1, released: true })), undefined);
});

test("the tab's title names the page and its tab", () => {
  assert.equal(pageTitle("Acme Coffee", "Launches"), "Launches · Acme Coffee · Mini Program Platform");
  assert.equal(pageTitle("Approvals"), "Approvals · Mini Program Platform");
  assert.equal(pageTitle("Approvals", "Approvals"), "Approvals · Mini Program Platform");
  assert.equal(pageTitle("  Sign\n in "), "Sign in · Mini Program Platform");
});

test("inbox rows name the company, the mini program and how long they wait", () => {
  const base = { id: "a", status: "in_review", title: "t", createdAt: "2026-03-01T00:00:00Z", version: 1 } as const;
  const launch = { ...base, type: "launch", requester: { email: "d@x", workspaceId: "ws_1", workspaceName: "Acme" }, payload: { launchId: "l", miniProgramId: "m", miniProgram: "Coffee", version: "1.0.0", strategy: "full" } } as Approval;
  const apply = { ...base, type: "workspace.create", requester: { email: "a@x" }, payload: { company: "Mango", contactName: "M", email: "a@x", country: "SG", reason: "r" } } as Approval;
  assert.equal(company(launch), "Acme");
  assert.equal(miniProgramOf(launch), "Coffee 1.0.0");
  assert.equal(company(apply), "Mango");
  assert.equal(miniProgramOf(apply), "");
  const t0 = Date.parse("2026-03-01T00:00:00Z");
  assert.equal(waited("2026-03-01T00:00:00Z", t0 + 5 * 60_000), "5 minutes");
  assert.equal(waited("2026-03-01T00:00:00Z", t0 + 60_000), "1 minute");
  assert.equal(waited("2026-03-01T00:00:00Z", t0 + 20_000), "just now");
  assert.equal(waited("2026-03-01T00:00:00Z", t0 + 3 * 3600_000), "3 hours");
  assert.equal(waited("2026-03-01T00:00:00Z", t0 + 3 * 86400_000), "3 days");
});

test("passwordProblem names everything a password lacks, in one sentence", () => {
  assert.equal(passwordProblem("Admin-Passw0rd!"), "");
  assert.equal(passwordProblem("short"), "The password needs at least 12 characters, an upper case letter, a digit and a symbol.");
  assert.equal(passwordProblem("longenough12!"), "The password needs an upper case letter.");
  assert.equal(passwordProblem(""), "The password needs at least 12 characters, an upper case letter, a lower case letter, a digit and a symbol.");
});
