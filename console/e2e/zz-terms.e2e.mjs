// Terms of service and granting a revoked authorization again, with a mouse:
// the operator publishes the platform's terms (and accepts them at the gate
// like everyone), an applicant accepts them on the application form (on a
// phone) and is not asked again at their first sign-in, a user signed in
// before the publication meets the gate at their next page load, and a newer
// version asks again. The operator revokes the merchant's authorization and
// asks for it to be granted again; another reviewer approves, and it is active.
//
// This file's name sorts it last on purpose: once the platform's terms are
// published, every later sign-in meets the gate, which the other scenarios do
// not expect. Screenshots start with "t".
import { assert, signIn } from "./fixtures.mjs";

export const scenarios = [
  async function termsAndRegrant({ browser, baseURL, env, harness }) {
    const run = Date.now().toString(36);
    const company = `Lychee Labs ${run}`;
    const ann = `lia-${run}@lychee.test`;
    const rev = `ria-${run}@tenant.test`;
    const annPassword = "Lia-Passw0rd-1!";
    const revPassword = "Ria-Passw0rd-1!";
    const termsV1 = `https://tenant.example.com/terms/${run}/1`;
    const termsV2 = `https://tenant.example.com/terms/${run}/2`;
    const gate = "Accept the new terms of service";
    // The versions this run publishes follow what is published already (a rerun against the same platform).
    const published = await (await fetch(baseURL + "/v1/terms")).json();
    const v0 = published.terms ? published.terms.version : 0;
    const v1 = v0 + 1;
    const v2 = v0 + 2;

    const operator = await harness.newUser(browser, { name: "operator" });
    const o = operator.page;
    const reviewer = await harness.newUser(browser, { name: "reviewer" });
    const r = reviewer.page;
    const merchant = await harness.newUser(browser, { name: "merchant-phone", viewport: { width: 390, height: 844 } });
    const m = merchant.page;
    const nav = (page) => page.getByRole("navigation", { name: "Main" });
    const openNav = async (page) => {
      const menu = page.getByRole("button", { name: "Menu" });
      if (await menu.isVisible()) await menu.click();
    };
    const publish = async (url) => {
      await o.goto(baseURL + "/workspaces/ws_tenant/settings");
      await o.getByLabel("Terms URL").fill(url);
      await o.getByRole("button", { name: "Publish new version" }).click();
      await o.getByText("Every user must accept it before they use the console again").waitFor();
      await o.getByRole("button", { name: "Yes, publish new version" }).click();
      await o.getByRole("table", { name: "Terms history" }).getByText(url).waitFor();
    };
    const acceptAtGate = async (page, version, shot) => {
      await page.getByRole("heading", { name: gate, level: 1 }).waitFor();
      await page.getByRole("link", { name: `Read the terms of service, version ${version} (opens in a new tab)` }).waitFor();
      // Continuing without ticking the box says why, beside it.
      await page.getByRole("button", { name: "Accept and continue" }).click();
      await page.getByText("Tick the box to accept the terms, or sign out.").waitFor();
      if (shot) await harness.shot(page, shot);
      await page.getByLabel(`I have read and accept the terms of service, version ${version}`).check();
      await page.getByRole("button", { name: "Accept and continue" }).click();
      await page.getByRole("heading", { name: gate }).waitFor({ state: "detached" });
    };

    // --- a second tenant reviewer joins before any terms exist ---------------------------------
    await signIn(harness, o, baseURL, env.TENANT_ADMIN_EMAIL, env.TENANT_ADMIN_PASSWORD);
    let tenantName = "";
    await harness.step("the operator invites a reviewer to the tenant", async () => {
      await o.goto(baseURL + "/workspaces/ws_tenant/invitations");
      tenantName = (await o.getByRole("navigation", { name: "Main" }).locator("h2").first().textContent()).trim();
      await o.getByLabel("Email").fill(rev);
      await o.getByLabel("Role").selectOption("reviewer");
      await o.getByRole("button", { name: "Send invitation" }).click();
      await o.getByText(`Invitation sent to ${rev}`).waitFor();
    });
    await harness.step("the reviewer accepts the invitation", async () => {
      const mail = await harness.mail.latest(rev, { subjectMatch: /Invitation to/ });
      await r.goto(harness.mail.invitationLink(mail.text));
      await signIn(harness, r, baseURL, rev, harness.mail.temporaryPassword(mail.text), revPassword);
      await r.getByRole("button", { name: "Accept invitation" }).click();
      await r.getByText(`You joined the workspace ${tenantName} as reviewer`).waitFor();
      await r.getByRole("link", { name: "Open the workspace" }).click();
      if (v0 > 0) await acceptAtGate(r, v0); // terms published by an earlier run
      await r.getByRole("heading", { name: tenantName, level: 1 }).waitFor();
    });

    // --- the platform's terms: published, and accepted at the gate --------------------------------
    await harness.step("the operator publishes the platform's terms", async () => {
      await publish(termsV1);
      await harness.shot(o, "t01-terms-published");
    });
    await harness.step("the operator meets the gate on the next page load and accepts", async () => {
      await o.reload();
      await acceptAtGate(o, v1, "t02-terms-gate");
      await o.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
    });

    // --- an applicant accepts them on the application form --------------------------------------
    await harness.step("on a phone, the application form asks to accept the terms", async () => {
      await m.goto(baseURL + "/apply");
      await m.getByRole("link", { name: `Read the platform's terms of service (version ${v1}, opens in a new tab)` }).waitFor();
      assert((await m.getByRole("link", { name: /terms of service/ }).getAttribute("href")) === termsV1, "the form links another terms URL");
      await m.getByLabel("Company").fill(company);
      await m.getByLabel("Contact name").fill("Lia Wong");
      await m.getByLabel("Email").fill(ann);
      await m.getByLabel("Country (two letters, like SG)").fill("SG");
      await m.getByLabel("What will you build?").fill("A lychee shop with same-day delivery.");
      await m.getByRole("button", { name: "Submit application" }).click();
      await m.getByText("Read the terms of service and tick the box to accept them").waitFor();
      await harness.shot(m, "t03-apply-terms-phone");
      await m.getByLabel(`I have read and accept the terms of service, version ${v1}`).check();
      await m.getByRole("button", { name: "Submit application" }).click();
      await m.getByRole("heading", { name: "Application received" }).waitFor();
    });
    await harness.step("the operator approves the application", async () => {
      await o.goto(baseURL + "/approvals?type=workspace.create");
      await o.getByRole("table", { name: "Approvals" }).getByRole("link", { name: company }).first().click();
      await o.getByRole("heading", { name: company, level: 1 }).waitFor();
      await o.getByRole("button", { name: "Approve" }).click();
      await o.getByRole("button", { name: "Yes, approve" }).click();
      await o.locator(".page-header .badge", { hasText: "approved" }).waitFor();
    });
    await harness.step("the new merchant is not asked again at their first sign-in", async () => {
      const mail = await harness.mail.latest(ann, { subjectMatch: /workspace is ready/ });
      await signIn(harness, m, baseURL, ann, harness.mail.temporaryPassword(mail.text), annPassword);
      await m.getByRole("heading", { name: company, level: 1 }).waitFor();
      assert((await m.getByRole("heading", { name: gate }).count()) === 0, "the applicant who accepted meets the gate");
    });
    await harness.step("the reviewer, signed in before, meets the gate at the next page load", async () => {
      await r.reload();
      await acceptAtGate(r, v1);
      await r.getByRole("heading", { name: tenantName, level: 1 }).waitFor();
    });

    // --- a revoked authorization is granted again through an approval ----------------------------
    await harness.step("the operator revokes the merchant's authorization and asks to grant it again", async () => {
      await o.goto(baseURL + "/authorizations");
      const row = o.getByRole("table", { name: "Authorizations" }).locator("tr", { hasText: company });
      await row.getByRole("button", { name: "Revoke" }).click();
      await row.getByRole("button", { name: "Yes, revoke" }).click();
      await row.locator(".badge", { hasText: "revoked" }).waitFor();
      await row.getByRole("button", { name: "Grant again…" }).click();
      await o.getByRole("heading", { name: `Grant ${company}'s authorization again`, level: 2 }).waitFor();
      await o.getByRole("button", { name: "Send for approval" }).click();
      await o.getByText("Say why the workspace may develop for the platform again").waitFor();
      await o.getByLabel("Reason").fill("The merchant corrected its product listings.");
      await harness.shot(o, "t04-regrant-form");
      await o.getByRole("button", { name: "Send for approval" }).click();
      await o.getByText(`Your request to grant ${company}'s authorization again is in review`).waitFor();
      await o.getByRole("link", { name: "Open the request" }).click();
      await o.getByRole("heading", { name: `Grant ${company}'s authorization again`, level: 1 }).waitFor();
      await o.getByText("Someone else decides on your own requests.").waitFor();
      assert((await o.getByRole("button", { name: "Approve" }).count()) === 0, "the requester is offered Approve");
    });
    await harness.step("the other reviewer approves it from the inbox", async () => {
      await openNav(r);
      await nav(r).getByRole("link", { name: /Approvals/ }).click();
      await r.locator(`nav.tabs a[data-label="Grant again"]`).click();
      await r.getByRole("table", { name: "Approvals" }).getByRole("link", { name: `Grant ${company}'s authorization again` }).click();
      await r.getByRole("heading", { name: `Grant ${company}'s authorization again`, level: 1 }).waitFor();
      await r.getByText("The merchant corrected its product listings.").waitFor();
      await harness.shot(r, "t05-regrant-approval");
      await r.getByRole("button", { name: "Approve" }).click();
      await r.getByText(`${company} may upload and launch again at once`).waitFor();
      await r.getByRole("button", { name: "Yes, approve" }).click();
      await r.locator(".page-header .badge", { hasText: "approved" }).waitFor();
    });
    await harness.step("the authorization is active again", async () => {
      await o.goto(baseURL + "/authorizations");
      const row = o.getByRole("table", { name: "Authorizations" }).locator("tr", { hasText: company });
      await row.locator(".badge", { hasText: "active" }).waitFor();
      await row.getByRole("button", { name: "Revoke" }).waitFor();
      await harness.shot(o, "t06-authorization-active");
    });

    // --- a newer version asks everyone again -------------------------------------------------------
    await harness.step("a new version of the terms asks the merchant again, on a phone", async () => {
      await publish(termsV2);
      await o.reload();
      await acceptAtGate(o, v2);
      await m.reload();
      await acceptAtGate(m, v2, "t07-terms-gate-phone");
      await m.getByRole("heading", { name: company, level: 1 }).waitFor();
    });
  },
];
