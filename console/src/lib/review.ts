// What a reviewer reads beside an approval: the pages a version adds and
// removes against the live one, and the kinds of rejection.
import { PackageVersion, RejectionCode } from "../api/types";

export const rejectionCodes: [RejectionCode, string][] = [
  ["policy", "Policy"],
  ["content", "Content"],
  ["functionality", "Functionality"],
  ["privacy", "Privacy"],
  ["other", "Other"],
];

/** rejectionLabel names a reason code as requesters read it ("" if none). */
export function rejectionLabel(code?: RejectionCode): string {
  return rejectionCodes.find(([c]) => c === code)?.[1] ?? "";
}

export interface PagesDiff {
  added: string[];
  removed: string[];
}

/** pagesDiff compares the manifest pages of the version under review with the live one's; null if either report lacks a manifest. */
export function pagesDiff(next?: PackageVersion, live?: PackageVersion): PagesDiff | null {
  const a = next?.report?.manifest?.pages;
  const b = live?.report?.manifest?.pages;
  if (!a || !b) return null;
  return { added: a.filter((p) => !b.includes(p)), removed: b.filter((p) => !a.includes(p)) };
}
