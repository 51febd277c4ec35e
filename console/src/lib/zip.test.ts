// readZipEntry and manifestVersion on zips built here (stored and deflated).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cwd } from "node:process";
import { test } from "node:test";
import { checkZipStructure, manifestVersion, readZipEntry, ZipError } from "./zip";
import { headersToSend } from "./upload";

async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/** zip builds an archive (CRCs left 0: the reader does not check them; the platform does). */
async function zip(files: [string, string, "store" | "deflate"][]): Promise<Blob> {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, text, how] of files) {
    const raw = enc.encode(text);
    const data = how === "deflate" ? await deflate(raw) : raw;
    const n = enc.encode(name);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(8, how === "deflate" ? 8 : 0, true);
    local.setUint32(18, data.length, true);
    local.setUint32(22, raw.length, true);
    local.setUint16(26, n.length, true);
    const cd = new DataView(new ArrayBuffer(46));
    cd.setUint32(0, 0x02014b50, true);
    cd.setUint16(10, how === "deflate" ? 8 : 0, true);
    cd.setUint32(20, data.length, true);
    cd.setUint32(24, raw.length, true);
    cd.setUint16(28, n.length, true);
    cd.setUint32(42, offset, true);
    parts.push(new Uint8Array(local.buffer), n, data);
    central.push(new Uint8Array(cd.buffer), n);
    offset += 30 + n.length + data.length;
  }
  const cdSize = central.reduce((s, p) => s + p.length, 0);
  const eocd = new DataView(new ArrayBuffer(22));
  eocd.setUint32(0, 0x06054b50, true);
  eocd.setUint16(8, files.length, true);
  eocd.setUint16(10, files.length, true);
  eocd.setUint32(12, cdSize, true);
  eocd.setUint32(16, offset, true);
  return new Blob([...parts, ...central, new Uint8Array(eocd.buffer)] as BlobPart[]);
}

test("manifestVersion reads app.json stored or deflated, among other files", async () => {
  for (const how of ["store", "deflate"] as const) {
    const z = await zip([["pages/index.js", "x".repeat(5000), "deflate"], ["app.json", '{"version":"1.2.3","pages":["pages/index"]}', how]]);
    assert.equal(await manifestVersion(z), "1.2.3", how);
  }
});

test("manifestVersion says why it cannot read a version", async () => {
  const cases: [Blob, RegExp][] = [
    [new Blob(["just text, not a zip"]), /not a zip archive/],
    [await zip([["index.js", "", "store"]]), /no app.json at its root/],
    [await zip([["sub/app.json", '{"version":"1.0.0"}', "store"]]), /no app.json at its root/],
    [await zip([["app.json", "{version: 1}", "store"]]), /not valid JSON/],
    [await zip([["app.json", '{"pages":[]}', "deflate"]]), /no "version"/],
  ];
  for (const [blob, want] of cases) await assert.rejects(manifestVersion(blob), (e: unknown) => e instanceof ZipError && want.test(e.message), String(want));
});

test("readZipEntry refuses entries over the limit and damaged directories", async () => {
  const z = await zip([["app.json", '{"version":"1.0.0"}', "store"]]);
  await assert.rejects(readZipEntry(z, "app.json", 4), /larger than 4 bytes/);
  const bytes = new Uint8Array(await z.arrayBuffer());
  const cut = new Blob([bytes.slice(0, 10), bytes.slice(bytes.length - 22)]); // directory offset now past the end
  await assert.rejects(readZipEntry(cut, "app.json"), ZipError);
});

test("headersToSend drops the headers browsers refuse to let scripts set", () => {
  assert.deepEqual(headersToSend({ "Content-Type": "application/zip", "Content-Length": "10", Host: "b", "x-amz-checksum-sha256": "abc" }), {
    "Content-Type": "application/zip",
    "x-amz-checksum-sha256": "abc",
  });
});

test("readZipEntry on random and mutated archives fails only with ZipError (seeded, 3,000 cases)", async () => {
  // A small deterministic generator, so a failure names a reproducible case.
  let seed = 0x2545f491;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const base = new Uint8Array(await (await zip([["pages/index.js", "x".repeat(300), "deflate"], ["app.json", '{"version":"1.0.0"}', "deflate"]])).arrayBuffer());
  for (let i = 0; i < 3000; i++) {
    let bytes: Uint8Array;
    if (i % 3 === 0) {
      bytes = Uint8Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
    } else {
      bytes = base.slice(0, i % 3 === 1 ? base.length : Math.floor(rand() * base.length));
      for (let n = Math.floor(rand() * 8); n >= 0; n--) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
    }
    try {
      await manifestVersion(new Blob([bytes as BlobPart]));
    } catch (e) {
      // A damaged deflate stream surfaces from DecompressionStream as a TypeError; the upload
      // box shows any error's message, but it should say what is wrong: keep it to ZipError.
      assert.ok(e instanceof ZipError, `case ${i}: ${(e as Error).name}: ${(e as Error).message}`);
    }
  }
});

// The crafted archives of shared/packages/testdata/zipstructure, written by the Go
// validator's tests with the codes it reports: the console must report the same.
const fixtures = join(cwd(), "..", "shared", "packages", "testdata", "zipstructure");

test("checkZipStructure reports the Go validator's codes on every crafted archive", () => {
  const cases = JSON.parse(readFileSync(join(fixtures, "cases.json"), "utf8")) as { name: string; codes: string[]; about: string }[];
  assert.ok(cases.length >= 20, `only ${cases.length} cases in ${fixtures}`);
  for (const c of cases) {
    const problems = checkZipStructure(new Uint8Array(readFileSync(join(fixtures, c.name + ".zip"))));
    assert.deepEqual(problems.map((p) => p.code).sort(), c.codes, `${c.name} (${c.about}): ${JSON.stringify(problems)}`);
    for (const p of problems) assert.ok(p.message, `${c.name}: ${p.code} has no message`);
  }
});

test("manifestVersion refuses a package whose local header names another file, with the problems", async () => {
  const bytes = readFileSync(join(fixtures, "local-name-traversal.zip"));
  await assert.rejects(manifestVersion(new Blob([new Uint8Array(bytes)])), (e: unknown) => {
    assert.ok(e instanceof ZipError);
    assert.deepEqual(e.problems.map((p) => [p.code, p.path]), [["local_header_mismatch", "pages/extra.js"]]);
    assert.match(e.problems[0].message, /\.\.\/\.\.\/\.\.\/\.\.\/evil\.js/);
    return true;
  });
  assert.equal(await manifestVersion(new Blob([new Uint8Array(readFileSync(join(fixtures, "valid-descriptor.zip")))])), "1.0.0");
});
