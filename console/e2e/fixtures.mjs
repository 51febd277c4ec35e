// Shared by the e2e scenarios: packages and images built here, and the steps
// every scenario takes the same way (signing in, dropping a package, waiting for
// what queue workers write).
import { crc32, deflateRawSync, deflateSync } from "node:zlib";

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** zip builds a package archive (deflated entries with real CRCs). */
export function zip(files) {
  const locals = [];
  const central = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const raw = Buffer.from(text);
    const data = deflateRawSync(raw);
    const n = Buffer.from(name);
    const crc = crc32(raw);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(8, 8);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(raw.length, 22);
    lh.writeUInt16LE(n.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(data.length, 20);
    cd.writeUInt32LE(raw.length, 24);
    cd.writeUInt16LE(n.length, 28);
    cd.writeUInt32LE(offset, 42);
    locals.push(lh, n, data);
    central.push(cd, n);
    offset += lh.length + n.length + data.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBuf, end]);
}

/** pkg is a package declaring pages; withFiles (default: all of them) get a .js file. */
export const pkg = (version, pages, withFiles = pages) =>
  zip({
    "app.json": JSON.stringify({ version, pages }),
    ...Object.fromEntries(withFiles.map((p) => [p + ".js", `Page({ data: { title: "${p}" } });\n`])),
  });

/** png builds a real RGB PNG of width × height (a diagonal gradient) with zlib and CRC-32. */
export function png(width, height) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = (x * 4) & 0xff;
      raw[row + 2 + x * 3] = (y * 4) & 0xff;
      raw[row + 3 + x * 3] = 0x80;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export async function signIn(harness, page, baseURL, email, password, newPassword) {
  await harness.step(`sign in as ${email}`, async () => {
    if (!page.url().includes("/invitations/")) await page.goto(baseURL + "/signin");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    if (newPassword) {
      await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
      await page.getByLabel("New password", { exact: true }).fill(newPassword);
      await page.getByLabel("Repeat the new password").fill(newPassword);
      await page.getByRole("button", { name: "Set password and sign in" }).click();
    }
    // Signed in once the session is stored: a navigation before that would cancel
    // the sign-in request (seen under load: the next page opened signed out).
    await page.waitForFunction((email) => {
      const s = JSON.parse(localStorage.getItem("mpdp.session") ?? "null");
      if (typeof s?.idToken !== "string") return false;
      const claims = JSON.parse(atob(s.idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      return String(claims.email).toLowerCase() === email.toLowerCase();
    }, email);
  });
}

/** expecting runs fn while the browser may log a failed request with this status (fn provokes it on purpose). */
export async function expecting(user, status, fn) {
  const re = new RegExp(`status of ${status} `);
  user.allowed.push(re);
  try {
    return await fn();
  } finally {
    user.allowed.splice(user.allowed.indexOf(re), 1);
  }
}

/** drop drags a file onto the upload zone, as a person would from their desktop. */
export async function drop(page, name, bytes) {
  await page.locator(".dropzone").waitFor();
  await page.evaluate(
    ({ b64, name }) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([data], name, { type: "application/zip" }));
      const zone = document.querySelector(".dropzone");
      zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { b64: bytes.toString("base64"), name },
  );
}

/** eventually reloads until check passes (for data that queue workers write); settled is what shows once the page has loaded. */
export async function eventually(page, settled, check, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.locator(settled).first().waitFor();
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await page.waitForTimeout(500);
    await page.reload();
  }
}

/** text is a locator's text with runs of white space made one space. */
export async function text(locator) {
  return ((await locator.textContent()) || "").replace(/\s+/g, " ").trim();
}

/** acceptInvitation follows the emailed invitation as a new user: the link, a first sign-in with the emailed temporary password, accept, and open the workspace. */
export async function acceptInvitation(harness, page, baseURL, email, newPassword, workspace) {
  const mail = await harness.mail.latest(email, { subjectMatch: /Invitation to/ });
  await page.goto(harness.mail.invitationLink(mail.text));
  await signIn(harness, page, baseURL, email, harness.mail.temporaryPassword(mail.text), newPassword);
  await page.getByRole("button", { name: "Accept invitation" }).click();
  await page.getByText(`You joined the workspace ${workspace} as `).waitFor();
  await page.getByRole("link", { name: "Open the workspace" }).click();
  await page.getByRole("heading", { name: workspace, level: 1 }).waitFor();
}
