import { test } from "node:test";
import assert from "node:assert/strict";
import { crashFree, crashRate, percent, plusMinus } from "./format";
import { daysBetween } from "./range";

test("crash figures read in their units, with their error, and — without a sample", () => {
  assert.equal(crashRate({ sessions: 400, crashRate: 7.5, crashRateStdError: 1.25 }), "7.5 per 1,000 sessions ±1.3");
  assert.equal(crashRate({ sessions: 0, crashRate: 0, crashRateStdError: 0 }), "—");
  assert.equal(crashFree({ users: 300, crashFreeUsers: 0.99254, crashFreeUsersStdError: 0 }), "99.25%");
  assert.equal(crashFree({ users: 300, crashFreeUsers: 0.9, crashFreeUsersStdError: 0.0023 }), "90.00% ±0.23 pt");
  assert.equal(crashFree({ users: 0, crashFreeUsers: 1, crashFreeUsersStdError: 0 }), "—");
});

test("shares and errors", () => {
  assert.equal(percent(0.425), "42.5%");
  assert.equal(percent(null), "—");
  assert.equal(plusMinus(0, String), "");
  assert.equal(plusMinus(3, String), " ±3");
  assert.equal(plusMinus(0.04, (v) => String(Math.round(v))), "", "an error that rounds to 0 is not shown");
  assert.equal(daysBetween("2026-03-01", "2026-03-31"), 31);
});
