import assert from "node:assert/strict";
import { test } from "node:test";
import { PackageVersion } from "../api/types";
import { pagesDiff, rejectionLabel } from "./review";

const v = (pages?: string[]) => ({ report: pages ? { valid: true, problems: [], manifest: { pages } } : { valid: false, problems: [] } }) as unknown as PackageVersion;

test("pagesDiff lists pages added and removed against the live version", () => {
  const cases: [string, PackageVersion | undefined, PackageVersion | undefined, ReturnType<typeof pagesDiff>][] = [
    ["same", v(["a", "b"]), v(["b", "a"]), { added: [], removed: [] }],
    ["changed", v(["a", "c", "d"]), v(["a", "b"]), { added: ["c", "d"], removed: ["b"] }],
    ["no live version", v(["a"]), undefined, null],
    ["live without manifest", v(["a"]), v(), null],
    ["nothing under review", undefined, v(["a"]), null],
  ];
  for (const [name, next, live, want] of cases) assert.deepEqual(pagesDiff(next, live), want, name);
});

test("rejectionLabel names known codes only", () => {
  assert.equal(rejectionLabel("privacy"), "Privacy");
  assert.equal(rejectionLabel(undefined), "");
});
