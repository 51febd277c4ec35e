// Unit tests of the console's pure logic: routing, launch forms, charts,
// ranges, cursors, roles.
import assert from "node:assert/strict";
import { test } from "node:test";
import { match, path } from "./router";
import { actionsFor, describeInterval, localToISO, parseSteps, pollDelay } from "./launch";
import { niceMax, plot } from "./chart";
import { checkRange, fillDays, lastDays } from "./range";
import { Cursors } from "./hooks";
import { allows, Membership } from "./roles";
import { safeNext } from "../pages/auth";
import { who } from "../pages/launches";

test("match reads parameters and refuses what does not fit", () => {
  const cases: [string, string, Record<string, string> | null][] = [
    ["/workspaces/:ws", "/workspaces/ws_1", { ws: "ws_1" }],
    ["/workspaces/:ws", "/workspaces/ws_1/", { ws: "ws_1" }],
    ["/workspaces/:ws/miniprograms/:mp", "/workspaces/a/miniprograms/b", { ws: "a", mp: "b" }],
    ["/workspaces/:ws/miniprograms/new", "/workspaces/a/miniprograms/b", null],
    ["/workspaces/:ws", "/workspaces/a/members", null],
    ["/x/:v", "/x/1.0.0%2Bbuild", { v: "1.0.0+build" }],
    ["/x/:v", "/x/%E0%A4%A", null], // malformed escape
    ["/", "/", {}],
  ];
  for (const [pattern, p, want] of cases) assert.deepEqual(match(pattern, p), want, `${pattern} ~ ${p}`);
});

test("path escapes each segment", () => {
  assert.equal(path("workspaces", "a/b", "x y"), "/workspaces/a%2Fb/x%20y");
});

test("safeNext keeps redirects inside the console", () => {
  const cases: [string | null, string][] = [
    ["/workspaces/a", "/workspaces/a"],
    [null, "/"],
    ["//evil.example/x", "/"],
    ["https://evil.example", "/"],
    ["/signin?next=/x", "/"],
  ];
  for (const [next, want] of cases) assert.equal(safeNext(next), want, String(next));
});

test("parseSteps accepts rising percentages ending at 100 and says what is wrong otherwise", () => {
  assert.deepEqual(parseSteps("10, 50, 100"), [10, 50, 100]);
  assert.deepEqual(parseSteps(" 5% 20%,100 "), [5, 20, 100]);
  assert.deepEqual(parseSteps("100"), [100]);
  const bad: [string, RegExp][] = [
    ["", /enter the percentages/],
    ["10, 10, 100", /larger than the one before/],
    ["50, 20, 100", /larger than the one before/],
    ["10, 50", /last step must be 100/],
    ["0, 100", /not a whole percentage/],
    ["10.5, 100", /not a whole percentage/],
    ["ten, 100", /not a whole percentage/],
    [Array.from({ length: 21 }, (_, i) => i + 80).join(","), /at most 20 steps/],
  ];
  for (const [s, re] of bad) {
    const r = parseSteps(s);
    assert.equal(typeof r, "string", s);
    assert.match(r as string, re, s);
  }
});

test("describeInterval uses the largest whole unit", () => {
  assert.equal(describeInterval(86400), "1 day");
  assert.equal(describeInterval(7200), "2 hours");
  assert.equal(describeInterval(90), "90 seconds");
  assert.equal(describeInterval(120), "2 minutes");
  assert.equal(describeInterval(1), "1 second");
});

test("actionsFor offers each launch action only in its statuses and to its roles", () => {
  const none = { withdraw: false, pause: false, resume: false, percentage: false };
  assert.deepEqual(actionsFor("in_review", "phased", true, false), { ...none, withdraw: true });
  assert.deepEqual(actionsFor("in_review", "phased", false, false), none);
  assert.deepEqual(actionsFor("rolling_out", "phased", true, false), { ...none, pause: true });
  assert.deepEqual(actionsFor("rolling_out", "phased", true, true), { ...none, pause: true, percentage: true });
  assert.deepEqual(actionsFor("paused", "phased", true, true), { ...none, resume: true, percentage: true });
  assert.deepEqual(actionsFor("rolling_out", "full", true, true), none);
  for (const s of ["completed", "rejected", "withdrawn", "expired", "failed", "scheduled"] as const) assert.deepEqual(actionsFor(s, "phased", true, true), none, s);
});

test("niceMax rounds up to 1, 2 or 5 times a power of ten", () => {
  const cases: [number, number][] = [[0, 1], [-3, 1], [0.3, 0.5], [1, 1], [7, 10], [12, 20], [120, 200], [480, 500], [501, 1000], [NaN, 1]];
  for (const [v, want] of cases) assert.equal(niceMax(v), want, String(v));
});

test("plot puts every series on one sorted x axis and a y scale from zero", () => {
  const p = plot(
    [
      { name: "all", points: [{ x: "2026-11-02", y: 10 }, { x: "2026-11-01", y: 0 }, { x: "2026-11-03", y: 20 }] },
      { name: "1.0.0", points: [{ x: "2026-11-03", y: 5 }] },
    ],
    232,
    132,
    16,
  );
  assert.deepEqual(p.xs, ["2026-11-01", "2026-11-02", "2026-11-03"]);
  assert.equal(p.max, 20);
  assert.deepEqual(p.lines[0].points.map((q) => [q.cx, q.cy]), [[16, 116], [116, 66], [216, 16]]);
  assert.equal(p.lines[0].d, "M16 116L116 66L216 16");
  assert.deepEqual(p.lines[1].points.map((q) => [q.cx, q.cy]), [[216, 91]]);
  assert.equal(plot([{ name: "one", points: [{ x: "d", y: 3 }] }], 100, 100, 10).lines[0].points[0].cx, 50, "a single day sits in the middle");
});

test("ranges: presets, checks and filled days", () => {
  assert.deepEqual(lastDays(7, new Date("2026-11-25T23:59:00Z")), { from: "2026-11-19", to: "2026-11-25" });
  assert.equal(checkRange("2026-11-01", "2026-11-30"), "");
  assert.equal(checkRange("2026-11-30", "2026-11-01"), "the range must not end before it starts");
  assert.equal(checkRange("2026-01-01", "2026-12-31"), "choose at most 90 days");
  assert.equal(checkRange("", "2026-11-01"), "choose both days");
  assert.deepEqual(fillDays("2026-02-27", "2026-03-01", [{ day: "2026-02-28", value: 4 }]), [
    { x: "2026-02-27", y: 0 },
    { x: "2026-02-28", y: 4 },
    { x: "2026-03-01", y: 0 },
  ]);
});

test("Cursors keep the way back", () => {
  let c = new Cursors();
  assert.equal(c.current, undefined);
  assert.equal(c.hasPrevious, false);
  c = c.next("a").next("b");
  assert.equal(c.current, "b");
  assert.equal(c.page, 3);
  c = c.previous();
  assert.equal(c.current, "a");
  assert.equal(c.previous().previous().previous().page, 1);
});

test("allows mirrors the API's role matrix, with tenant-only actions and blocked members", () => {
  const m = (role: Membership["role"], kind: Membership["workspace"]["kind"], status: Membership["status"] = "active"): Membership => ({ workspace: { id: "w", name: "W", kind }, role, status });
  const cases: [Membership, Parameters<typeof allows>[1], boolean][] = [
    [m("admin", "developer"), "members:manage", true],
    [m("admin", "developer"), "tenant:manage", false],
    [m("admin", "tenant"), "tenant:manage", true],
    [m("developer", "developer"), "members:manage", false],
    [m("developer", "developer"), "develop", true],
    [m("reviewer", "tenant"), "approvals:decide", true],
    [m("reviewer", "developer"), "approvals:decide", false],
    [m("reviewer", "tenant"), "develop", false],
    [m("admin", "developer", "blocked"), "read", false],
  ];
  for (const [mem, a, want] of cases) assert.equal(allows(mem, a), want, `${mem.role}/${mem.workspace.kind}/${mem.status} ${a}`);
  assert.equal(allows(undefined, "read"), false);
});

test("who names timeline people in words", () => {
  const members = new Map([["u1", "ann@acme.test"], ["u2", "bo@acme.test"]]);
  assert.equal(who("u1", "paused", "u1", members), "you");
  assert.equal(who("u2", "paused", "u1", members), "bo@acme.test");
  assert.equal(who("r9", "rejected", "u1", members), "a platform reviewer");
  assert.equal(who("r9", "approved", "u1", members), "a platform reviewer");
  assert.equal(who("r9", "paused", "u1", members), "a former member");
});

test("localToISO turns the release time picker's local value into UTC", () => {
  const local = "2026-12-01T09:30";
  assert.equal(localToISO(local), new Date(2026, 11, 1, 9, 30).toISOString());
  assert.equal(localToISO(""), "");
  assert.equal(localToISO("not a time"), "");
});

test("pollDelay looks often at a launch that just changed, seldom at a quiet or hidden one", () => {
  const cases: [number, boolean, number][] = [
    [0, false, 2_000],
    [59_000, false, 2_000],
    [NaN, false, 2_000], // an unreadable time: stay attentive
    [-5_000, false, 2_000], // clock skew
    [60_000, false, 10_000],
    [11 * 60_000, false, 30_000],
    [0, true, 60_000],
  ];
  for (const [quiet, hidden, want] of cases) assert.equal(pollDelay(quiet, hidden), want, `${quiet} ms quiet, hidden ${hidden}`);
});
