// Smoke: the console loads from the gateway's origin without errors, its
// /config.json is complete, path routes fall back to the app, and signing in
// through the local Cognito relay works at the HTTP level. The UI lifecycle
// scenarios live in other *.e2e.mjs files.

const configKeys = ["apiUrl", "region", "userPoolId", "clientId", "cognitoEndpoint", "bucketOrigin"];

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export const scenarios = [
  async function consoleLoadsAndSignsIn({ browser, baseURL, env, harness }) {
    const { page } = await harness.newUser(browser, { name: "admin" });

    await harness.step("open the console", async () => {
      const res = await page.goto(baseURL + "/", { waitUntil: "networkidle" });
      assert(res && res.status() === 200, `GET / answered ${res && res.status()}`);
      const h = res.headers();
      assert(h["cache-control"] === "no-cache", `index.html Cache-Control: ${h["cache-control"]}`);
      assert((h["content-security-policy"] || "").includes("default-src 'self'"), `no CSP on index.html: ${h["content-security-policy"]}`);
      assert(h["x-frame-options"] === "DENY", `X-Frame-Options: ${h["x-frame-options"]}`);
      assert((await page.title()).length > 0, "the page has no title");
      assert(await page.locator("#app").count() === 1, "no #app element");
      await harness.shot(page, "smoke-home");
    });

    const config = await harness.step("config.json has every key", async () => {
      const cfg = await page.evaluate(async () => {
        const res = await fetch("/config.json");
        return { status: res.status, body: await res.json() };
      });
      assert(cfg.status === 200, `GET /config.json: ${cfg.status}`);
      const c = cfg.body;
      for (const k of configKeys) assert(k in c, `config.json lacks ${k}: ${JSON.stringify(c)}`);
      assert(c.apiUrl === "", `apiUrl should be "" (same origin), is ${JSON.stringify(c.apiUrl)}`);
      for (const k of configKeys.filter((k) => k !== "apiUrl")) assert(typeof c[k] === "string" && c[k], `config.json ${k} is empty`);
      assert(c.cognitoEndpoint === baseURL + "/_local/cognito/", `cognitoEndpoint ${c.cognitoEndpoint}`);
      assert(/^https?:\/\/[^/]+$/.test(c.bucketOrigin), `bucketOrigin is not an origin: ${c.bucketOrigin}`);
      return c;
    });

    await harness.step("an app route serves the console (path routing)", async () => {
      const res = await page.goto(baseURL + "/workspaces/ws-smoke/miniprograms", { waitUntil: "networkidle" });
      assert(res && res.status() === 200, `GET /workspaces/...: ${res && res.status()}`);
      assert(await page.locator("#app").count() === 1, "the fallback is not the console's index.html");
      await harness.shot(page, "smoke-app-route");
    });

    const token = await harness.step("sign in through /_local/cognito/ (InitiateAuth)", async () => {
      const out = await page.evaluate(async ({ endpoint, clientId, email, password }) => {
        const res = await fetch(endpoint, {
          method: "POST",
          headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth" },
          body: JSON.stringify({ AuthFlow: "USER_PASSWORD_AUTH", ClientId: clientId, AuthParameters: { USERNAME: email, PASSWORD: password } }),
        });
        return { status: res.status, body: await res.text() };
      }, { endpoint: config.cognitoEndpoint, clientId: config.clientId, email: env.TENANT_ADMIN_EMAIL, password: env.TENANT_ADMIN_PASSWORD });
      assert(out.status === 200, `InitiateAuth: ${out.status} ${out.body}`);
      const idToken = JSON.parse(out.body).AuthenticationResult?.IdToken;
      assert(typeof idToken === "string" && idToken.split(".").length === 3, `no IdToken in ${out.body}`);
      return idToken;
    });

    await harness.step("the token works on the API (GET /v1/me)", async () => {
      const me = await page.evaluate(async (t) => {
        const res = await fetch("/v1/me", { headers: { Authorization: "Bearer " + t } });
        return { status: res.status, body: await res.json() };
      }, token);
      assert(me.status === 200, `GET /v1/me: ${me.status} ${JSON.stringify(me.body)}`);
      assert(JSON.stringify(me.body).includes(env.TENANT_ADMIN_EMAIL), `GET /v1/me does not name ${env.TENANT_ADMIN_EMAIL}: ${JSON.stringify(me.body)}`);
    });

    await harness.step("the mailbox shows sent emails", async () => {
      const email = `smoke-${Date.now()}@applicant.test`;
      const before = new Date();
      const res = await fetch(baseURL + "/v1/applications", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ company: "Smoke Test Ltd", contactName: "Sam Smoke", email, country: "SG", reason: "End-to-end smoke test" }),
      });
      assert(res.status === 201 || res.status === 202 || res.status === 200, `POST /v1/applications: ${res.status} ${await res.text()}`);
      const m = await harness.mail.latest(email, { subjectMatch: /application/i, after: new Date(before.getTime() - 1000) });
      assert(m.text.includes("Smoke Test Ltd"), `unexpected email text: ${m.text}`);
    });

    await harness.step("mail parsers read the templates' text", async () => {
      // The texts of shared/mail/templates.go (Invitation, ApplicationApproved).
      const invitation = 'You are invited to join the workspace "Acme" as developer.\n\n' +
        "Accept within 3 days: http://127.0.0.1:1234/invitations/inv-1?token=t%2Bk\n(or send the token t+k to the accept endpoint)\n\n" +
        "Sign in first with bo@acme.test and this temporary password, which you will change at first sign-in:\n\n    aB3#xY9-zQ2@wE5!\n";
      const link = harness.mail.invitationLink(invitation);
      assert(link === "http://127.0.0.1:1234/invitations/inv-1?token=t%2Bk", `invitationLink: ${link}`);
      const inv = harness.mail.invitation(invitation);
      assert(inv.id === "inv-1" && inv.token === "t+k", `invitation: ${JSON.stringify(inv)}`);
      const pw = harness.mail.temporaryPassword(invitation);
      assert(pw === "aB3#xY9-zQ2@wE5!", `temporaryPassword: ${pw}`);
      const approved = 'Your application was approved: the workspace "Acme" is ready and you are its admin.\n\n' +
        "Sign in at http://x with ann@acme.test and this temporary password, which you will change at first sign-in:\n\n    Zz9^Yy8_Xx7=Ww6?\n";
      assert(harness.mail.temporaryPassword(approved) === "Zz9^Yy8_Xx7=Ww6?", "temporaryPassword of the approval email");
    });
  },
];
