// Sign-in logic against a stubbed Cognito JSON endpoint: the challenge flow,
// error wording, and token refresh (once, even when asked twice at once).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Cognito, CognitoError, claims } from "./cognito";
import { KeyValue, Session } from "./store";

function cognito(answers: Record<string, (body: Record<string, unknown>) => [number, unknown]>, now = () => 1_000_000) {
  const calls: { target: string; body: Record<string, unknown> }[] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    const target = (init.headers as Record<string, string>)["X-Amz-Target"].split(".")[1];
    const body = JSON.parse(String(init.body));
    calls.push({ target, body });
    const [status, out] = answers[target](body);
    return new Response(JSON.stringify(out), { status });
  }) as unknown as typeof globalThis.fetch;
  return { calls, c: new Cognito("https://idp.test/", "client1", fetch, now) };
}

class Memory implements KeyValue {
  m = new Map<string, string>();
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
}

function jwt(payload: object) {
  const b64 = (s: string) => Buffer.from(s).toString("base64url");
  return `${b64('{"alg":"none"}')}.${b64(JSON.stringify(payload))}.sig`;
}

test("first sign-in asks for a new password, then signs in", async () => {
  const { c, calls } = cognito({
    InitiateAuth: () => [200, { ChallengeName: "NEW_PASSWORD_REQUIRED", Session: "s1" }],
    RespondToAuthChallenge: () => [200, { AuthenticationResult: { IdToken: "id", RefreshToken: "r", ExpiresIn: 3600 } }],
  });
  const r = await c.signIn("ann@example.com", "Temp-1");
  assert.deepEqual(r, { kind: "newPasswordRequired", session: "s1" });
  const t = await c.setNewPassword("ann@example.com", "s1", "New-Passw0rd!");
  assert.deepEqual(t, { idToken: "id", refreshToken: "r", expiresAt: 1_000_000 + 3_600_000 });
  assert.equal(calls[0].body.AuthFlow, "USER_PASSWORD_AUTH");
  assert.deepEqual(calls[1].body.ChallengeResponses, { USERNAME: "ann@example.com", NEW_PASSWORD: "New-Passw0rd!" });
});

test("Cognito errors read as plain sentences", async () => {
  const cases: [string, string, RegExp][] = [
    ["NotAuthorizedException", "Incorrect username or password.", /email or password is wrong/],
    ["NotAuthorizedException", "Temporary password has expired and must be reset by an administrator.", /temporary password has expired/],
    ["UserNotFoundException", "User does not exist.", /email or password is wrong/],
    ["InvalidPasswordException", "Password does not conform to policy: Password must have symbol characters", /too weak: Password must have symbol/],
    ["com.amazonaws#TooManyRequestsException", "Rate exceeded", /Too many attempts/],
  ];
  for (const [code, message, want] of cases) {
    const { c } = cognito({ InitiateAuth: () => [400, { __type: code, message }] });
    await assert.rejects(c.signIn("a@b.c", "x"), (e: unknown) => e instanceof CognitoError && want.test(e.message));
  }
});

test("the session refreshes an expiring token once for concurrent callers, and signs out when refresh fails", async () => {
  let now = 0;
  let refreshes = 0;
  const { c } = cognito(
    {
      InitiateAuth: (b) => {
        refreshes++;
        return b.AuthParameters && (b.AuthParameters as Record<string, string>).REFRESH_TOKEN === "good"
          ? [200, { AuthenticationResult: { IdToken: "fresh", ExpiresIn: 3600 } }]
          : [400, { __type: "NotAuthorizedException", message: "Refresh Token has expired" }];
      },
    },
    () => now,
  );
  const store = new Memory();
  const s = new Session(c, store, () => now);
  assert.equal(await s.token(), null);
  s.signedIn({ idToken: "old", refreshToken: "good", expiresAt: 100_000 });
  assert.equal(await s.token(), "old");
  now = 50_000; // within a minute of expiry
  const [a, b] = await Promise.all([s.token(), s.token()]);
  assert.deepEqual([a, b, refreshes], ["fresh", "fresh", 1]);
  assert.equal(JSON.parse(store.getItem("mpdp.session")!).refreshToken, "good", "the refresh token is kept");
  assert.equal(new Session(c, store, () => now).user !== null, true, "a reload keeps the session");

  s.signedIn({ idToken: "old", refreshToken: "bad", expiresAt: 0 });
  let told = 0;
  s.subscribe(() => told++);
  assert.equal(await s.token(), null);
  assert.equal(store.getItem("mpdp.session"), null);
  assert.equal(told, 1);
});

test("claims reads the JWT payload (with non-ASCII) and survives garbage", () => {
  assert.deepEqual(claims(jwt({ sub: "u1", email: "zoë@example.com" })), { sub: "u1", email: "zoë@example.com" });
  assert.deepEqual(claims("garbage"), {});
  assert.deepEqual(claims("a.%%%.c"), {});
  const s = new Session(new Cognito("", ""), new Memory());
  s.signedIn({ idToken: jwt({ sub: "u2", email: "bo@example.com" }), expiresAt: Date.now() + 3_600_000 });
  assert.deepEqual(s.user, { id: "u2", email: "bo@example.com" });
});

test("a corrupt stored session reads as signed out", () => {
  const store = new Memory();
  store.setItem("mpdp.session", "{not json");
  assert.equal(new Session(new Cognito("", ""), store).user, null);
  store.setItem("mpdp.session", '{"idToken":5}');
  assert.equal(new Session(new Cognito("", ""), store).user, null);
});

test("a forgotten password is reset with the emailed code", async () => {
  const { c, calls } = cognito({
    ForgotPassword: () => [200, { CodeDeliveryDetails: { Destination: "a***@e***.com", DeliveryMedium: "EMAIL" } }],
    ConfirmForgotPassword: (b) => (b.ConfirmationCode === "123456" ? [200, {}] : [400, { __type: "CodeMismatchException", message: "Invalid verification code provided, please try again." }]),
  });
  assert.equal(await c.forgotPassword("ann@example.com"), "a***@e***.com");
  await c.confirmForgotPassword("ann@example.com", "123456", "New-Passw0rd!");
  assert.deepEqual(calls[1].body, { ClientId: "client1", Username: "ann@example.com", ConfirmationCode: "123456", Password: "New-Passw0rd!" });
  await assert.rejects(c.confirmForgotPassword("ann@example.com", "000000", "New-Passw0rd!"), (e: unknown) => e instanceof CognitoError && /The code is wrong/.test(e.message));
});
