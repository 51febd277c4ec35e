// The API client against a stubbed fetch: headers it sends, problems it turns
// into errors, ETags it hands back.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError, describe, newClient, queryString } from "./client";

type Call = { url: string; init: RequestInit };

function stub(status: number, body: string, headers: Record<string, string> = {}) {
  const calls: Call[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body === "" ? null : body, { status, headers });
  }) as unknown as typeof globalThis.fetch;
  return { calls, fetch };
}

test("get sends the token, drops empty query values and returns the ETag", async () => {
  const s = stub(200, '{"id":"x","version":3}', { ETag: '"v3"', "Content-Type": "application/json" });
  const c = newClient({ baseURL: "https://api.test", token: async () => "tok", fetch: s.fetch });
  const out = await c.get<{ id: string }>("/v1/things", { limit: 10, cursor: undefined, q: "" });
  assert.equal(out.id, "x");
  assert.equal(out.etag, '"v3"');
  assert.equal(s.calls[0].url, "https://api.test/v1/things?limit=10");
  assert.equal((s.calls[0].init.headers as Record<string, string>).Authorization, "Bearer tok");
});

test("send puts If-Match and Idempotency-Key only when given, and JSON only with a body", async () => {
  const s = stub(204, "");
  const c = newClient({ baseURL: "", token: async () => null, fetch: s.fetch });
  await c.send("PATCH", "/v1/x", { a: 1 }, { ifMatch: '"v2"', idempotencyKey: "k1" });
  await c.send("DELETE", "/v1/x");
  const h0 = s.calls[0].init.headers as Record<string, string>;
  assert.equal(h0["If-Match"], '"v2"');
  assert.equal(h0["Idempotency-Key"], "k1");
  assert.equal(h0["Content-Type"], "application/json");
  assert.equal(s.calls[0].init.body, '{"a":1}');
  const h1 = s.calls[1].init.headers as Record<string, string>;
  assert.deepEqual(Object.keys(h1).sort(), ["Accept"]);
});

test("a problem becomes an ApiError with its detail and per-field messages", async () => {
  const problem = { type: "x", title: "Bad Request", status: 400, detail: "the input is invalid", errors: [{ field: "email", message: "must be an email address" }], requestId: "r1" };
  const s = stub(400, JSON.stringify(problem), { "Content-Type": "application/problem+json" });
  const c = newClient({ baseURL: "", token: async () => "t", fetch: s.fetch });
  await assert.rejects(c.send("POST", "/v1/x", {}), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, 400);
    assert.equal(e.message, "The input is invalid.");
    assert.equal(e.field("email"), "must be an email address");
    assert.equal(e.field("name"), undefined);
    return true;
  });
});

test("401 tells the app; bodies that are not problems still give a plain sentence", async () => {
  let told = 0;
  const cases: [number, string, string][] = [
    [401, '{"message":"Unauthorized"}', "Your session has ended. Sign in again."],
    [412, "", "Someone else changed this since you opened it. Reload and try again."],
    [502, "<html>bad gateway</html>", "The platform failed to answer. Try again in a moment."],
    [403, '{"title":"Forbidden","status":403,"detail":"the developer role does not allow this"}', "The developer role does not allow this."],
  ];
  for (const [status, body, want] of cases) {
    const s = stub(status, body);
    const c = newClient({ baseURL: "", token: async () => "t", fetch: s.fetch, onUnauthorized: () => told++ });
    await assert.rejects(c.get("/v1/x"), (e: unknown) => e instanceof ApiError && e.status === status && e.message === want);
  }
  assert.equal(told, 1);
});

test("a network failure is status 0 with a plain sentence", async () => {
  const c = newClient({ baseURL: "", token: async () => "t", fetch: (async () => { throw new TypeError("Failed to fetch"); }) as unknown as typeof fetch });
  await assert.rejects(c.get("/v1/x"), (e: unknown) => e instanceof ApiError && e.status === 0 && /could not be reached/.test(e.message));
});

test("describe ends details with a full stop and capitalizes them", () => {
  assert.equal(describe({ type: "t", title: "Conflict", status: 409, detail: "a launch is already active" }), "A launch is already active.");
  assert.equal(describe({ type: "t", title: "Conflict", status: 409, detail: "Done!" }), "Done!");
  assert.equal(describe({ type: "t", title: "I'm a teapot", status: 418 }), "I'm a teapot");
});

test("queryString escapes values", () => {
  assert.equal(queryString({ q: "a b&c", n: 0 }), "?q=a+b%26c&n=0");
  assert.equal(queryString({}), "");
});
