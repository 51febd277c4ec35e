// readZipEntry finds one file in a zip and returns its bytes, so the console can
// read a package's app.json (its version) before uploading. Only what a
// package may hold is supported: stored or deflated entries, no zip64.
//
// checkZipStructure is the platform's structure check (shared/packages/structure.go)
// in the browser: the local headers and the central directory must describe the
// same archive, or a reader of one would extract something else than was
// validated through the other. It reports the same codes as the Go validator;
// both are tested on the crafted archives in shared/packages/testdata/zipstructure.
// The contents (CRC-32 of the data, sizes after inflating, paths, the manifest's
// pages) are checked by the platform after the upload.

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export class ZipError extends Error {
  constructor(
    message: string,
    readonly problems: ZipProblem[] = [],
  ) {
    super(message);
  }
}

/** ZipProblem is one reason a package is invalid, as in the platform's validation report. */
export interface ZipProblem {
  code: string;
  message: string;
  path?: string;
}

const DESCRIPTOR = 0x08074b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;
const UNICODE_PATH_EXTRA = 0x7075;
const FLAG_DESCRIPTOR = 0x0008;
const ALLOWED_FLAGS = 0x0001 | 0x0002 | 0x0004 | FLAG_DESCRIPTOR | 0x0800;

interface DirRecord {
  name: string;
  rawName: Uint8Array;
  flags: number;
  method: number;
  crc: number;
  csize: number;
  usize: number;
  offset: number;
}

const utf8 = new TextDecoder();
const hex = (n: number) => n.toString(16).padStart(8, "0");
const flagHex = (n: number) => "0x" + n.toString(16).padStart(4, "0");

/** findEnd finds the end of central directory record where Go's archive/zip does. */
function findEnd(b: Uint8Array): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (const n of [1024, 65 * 1024]) {
    const start = Math.max(0, b.length - n);
    const len = b.length - start;
    for (let i = len - 22; i >= 0; i--) {
      if (dv.getUint32(start + i, true) === EOCD) {
        // A comment running past the end makes archive/zip give up on this window.
        if (dv.getUint16(start + i + 20, true) + 22 + i > len) break;
        return start + i;
      }
    }
    if (start === 0) break;
  }
  return -1;
}

/** hasExtra reports whether an extra field block holds a field with this id; reading stops at a malformed field. */
function hasExtra(dv: DataView, from: number, to: number, id: number): boolean {
  for (let p = from; to - p >= 4; ) {
    const n = dv.getUint16(p + 2, true);
    if (p + 4 + n > to) return false;
    if (dv.getUint16(p, true) === id) return true;
    p += 4 + n;
  }
  return false;
}

const bytesEqual = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** checkZipStructure returns the structure problems of a zip file's bytes ([] when there are none). */
export function checkZipStructure(b: Uint8Array): ZipProblem[] {
  const problems: ZipProblem[] = [];
  const add = (code: string, message: string, path?: string) => problems.push(path === undefined ? { code, message } : { code, message, path });
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const size = b.length;
  const endOff = findEnd(b);
  if (endOff < 0) return [{ code: "not_a_zip", message: "this file is not a zip archive" }];
  const disk = dv.getUint16(endOff + 4, true);
  const dirDisk = dv.getUint16(endOff + 6, true);
  const diskRecords = dv.getUint16(endOff + 8, true);
  const records = dv.getUint16(endOff + 10, true);
  const dirSize = dv.getUint32(endOff + 12, true);
  const dirOff = dv.getUint32(endOff + 16, true);
  const comment = dv.getUint16(endOff + 20, true);

  const tail = size - (endOff + 22 + comment);
  if (tail > 0) add("unlisted_data", `${tail} bytes follow the end of central directory record; a zip file ends with that record and its comment`);
  if (records === 0xffff || dirSize === 0xffffffff || dirOff === 0xffffffff || (endOff >= 20 && dv.getUint32(endOff - 20, true) === ZIP64_LOCATOR)) {
    add("unsupported_zip_feature", "the package uses zip64, which is not supported; packages are at most 30 MiB and never need it");
    return problems;
  }
  if (disk !== 0 || dirDisk !== 0 || diskRecords !== records) {
    add("unsupported_zip_feature", "the package is split across several disks (multi-volume zip), which is not supported");
    return problems;
  }
  const base = endOff - dirSize - dirOff;
  if (base > 0) {
    add("unlisted_data", `the central directory (${dirSize} bytes at offset ${dirOff}) does not end where the end record begins (offset ${endOff}): ${base} bytes are prepended to the zip data or lie between the directory and the end record`);
    return problems;
  }
  if (base < 0) {
    add("not_a_zip", `package is not a valid zip file: its central directory (${dirSize} bytes at offset ${dirOff}) runs past the end record at offset ${endOff}`);
    return problems;
  }

  // The directory's records: exactly `records` of them, filling dirSize bytes.
  const recs: DirRecord[] = [];
  let p = dirOff;
  const dirEnd = dirOff + dirSize;
  for (let i = 0; i < records; i++) {
    if (p + 46 > dirEnd || dv.getUint32(p, true) !== CENTRAL) {
      add("not_a_zip", `package is not a valid zip file: its central directory holds fewer records than the ${records} its end record counts`);
      return problems;
    }
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    if (p + 46 + nameLen + extraLen + commentLen > dirEnd) {
      add("not_a_zip", "package is not a valid zip file: its central directory ends inside a record");
      return problems;
    }
    const rawName = b.subarray(p + 46, p + 46 + nameLen);
    const rec: DirRecord = {
      name: utf8.decode(rawName),
      rawName,
      flags: dv.getUint16(p + 8, true),
      method: dv.getUint16(p + 10, true),
      crc: dv.getUint32(p + 16, true),
      csize: dv.getUint32(p + 20, true),
      usize: dv.getUint32(p + 24, true),
      offset: dv.getUint32(p + 42, true),
    };
    const extra = p + 46 + nameLen;
    if (dv.getUint16(p + 34, true) !== 0) {
      add("unsupported_zip_feature", `entry "${rec.name}" is on another disk of a multi-volume zip, which is not supported`, rec.name);
      return problems;
    }
    if (rec.csize === 0xffffffff || rec.usize === 0xffffffff || rec.offset === 0xffffffff || hasExtra(dv, extra, extra + extraLen, ZIP64_EXTRA)) {
      add("unsupported_zip_feature", `entry "${rec.name}" uses zip64 fields, which are not supported; packages never need them`, rec.name);
      return problems;
    }
    if (hasExtra(dv, extra, extra + extraLen, UNICODE_PATH_EXTRA)) {
      add("unsupported_zip_feature", `entry "${rec.name}" has a second name in an Info-ZIP Unicode Path extra field, which some tools use instead of its name; this is not supported`, rec.name);
      return problems;
    }
    recs.push(rec);
    p += 46 + nameLen + extraLen + commentLen;
  }
  if (p !== dirEnd) {
    add("not_a_zip", `package is not a valid zip file: its central directory holds ${dirEnd - p} bytes after its ${records} records`);
    return problems;
  }

  // Each record against its local header; where each entry ends.
  const spans: { index: number; start: number; end: number }[] = [];
  recs.forEach((rec, index) => {
    if (rec.flags & ~ALLOWED_FLAGS) {
      add("unsupported_zip_feature", `entry "${rec.name}" sets general purpose flags ${flagHex(rec.flags & ~ALLOWED_FLAGS)}; only encryption, deflate options, data descriptors and UTF-8 names (${flagHex(ALLOWED_FLAGS)}) are supported`, rec.name);
    }
    if (rec.flags & FLAG_DESCRIPTOR && rec.method !== 8) {
      add("unsupported_zip_feature", `entry "${rec.name}" has a data descriptor but is not deflated; streaming readers (Java's ZipInputStream) cannot find the end of its data. Deflate it, or write its sizes in its local header`, rec.name);
    }
    const [end, mismatch] = checkLocal(b, dv, rec, dirOff);
    if (mismatch) add("local_header_mismatch", `entry "${rec.name}": ${mismatch}`, rec.name);
    if (end >= 0) spans.push({ index, start: rec.offset, end });
  });

  // The entries must cover the file from 0 to the directory exactly once.
  spans.sort((x, y) => x.start - y.start);
  let pos = 0;
  let last = -1;
  const gap = (from: number, to: number) => {
    const where = last >= 0 ? `after entry "${recs[last].name}"` : "before the first entry";
    add("unlisted_data", `${to - from} bytes at offset ${from}, ${where}, belong to no entry in the central directory${describeHidden(b, dv, from, to)}`);
  };
  for (const s of spans) {
    if (s.start > pos) gap(pos, s.start);
    else if (s.start < pos) {
      add("overlapping_entries", `entry "${recs[s.index].name}" (offset ${s.start}) overlaps entry "${recs[last].name}"; each entry's bytes must belong to it alone`, recs[s.index].name);
    }
    if (s.end > pos) {
      pos = s.end;
      last = s.index;
    }
  }
  if (pos < dirOff) gap(pos, dirOff);
  return problems;
}

/** checkLocal compares a record with its local header and data descriptor; it returns where the entry ends (-1: unreadable) and what differs. */
function checkLocal(b: Uint8Array, dv: DataView, rec: DirRecord, dirOff: number): [number, string] {
  const off = rec.offset;
  if (off + 30 > dirOff) return [-1, `its local header offset ${off} is not before the central directory (offset ${dirOff})`];
  if (dv.getUint32(off, true) !== LOCAL) return [-1, `there is no local header at offset ${off}, where its directory record points`];
  const nameLen = dv.getUint16(off + 26, true);
  const extraLen = dv.getUint16(off + 28, true);
  const dataStart = off + 30 + nameLen + extraLen;
  let end = dataStart + rec.csize;
  if (dataStart > dirOff) return [-1, "its local header runs into the central directory"];
  const diffs: string[] = [];
  const name = b.subarray(off + 30, off + 30 + nameLen);
  if (!bytesEqual(name, rec.rawName)) diffs.push(`its local header names it "${utf8.decode(name)}"`);
  if (hasExtra(dv, off + 30 + nameLen, dataStart, ZIP64_EXTRA) || hasExtra(dv, off + 30 + nameLen, dataStart, UNICODE_PATH_EXTRA)) {
    diffs.push("its local header has a zip64 or Unicode Path extra field, which is not supported");
  }
  const flags = dv.getUint16(off + 6, true);
  if (flags !== rec.flags) diffs.push(`its local header has flags ${flagHex(flags)}, its directory record ${flagHex(rec.flags)}`);
  const method = dv.getUint16(off + 8, true);
  if (method !== rec.method) diffs.push(`its local header has compression method ${method}, its directory record ${rec.method}`);
  const local = [dv.getUint32(off + 14, true), dv.getUint32(off + 18, true), dv.getUint32(off + 22, true)];
  const want = [rec.crc, rec.csize, rec.usize];
  const fieldsDiffer = `its local header has CRC-32 ${hex(local[0])} and sizes ${local[1]}/${local[2]}, its directory record ${hex(want[0])} and ${want[1]}/${want[2]}`;
  if (!(rec.flags & FLAG_DESCRIPTOR)) {
    if (local.some((v, i) => v !== want[i])) diffs.push(fieldsDiffer);
  } else {
    // With a data descriptor the local fields are zero (or already right); the descriptor has the real ones.
    if (local.some((v, i) => v !== 0 && v !== want[i])) diffs.push(fieldsDiffer);
    const matches = (at: number) => at + 12 <= b.length && [0, 1, 2].every((i) => dv.getUint32(at + 4 * i, true) === want[i]);
    if (matches(end)) end += 12;
    else if (end + 16 <= b.length && dv.getUint32(end, true) === DESCRIPTOR) {
      if (!matches(end + 4)) diffs.push("its data descriptor (after its data) is missing or differs from its directory record");
      end += 16;
    } else diffs.push("its data descriptor (after its data) is missing or differs from its directory record");
  }
  if (end > dirOff) diffs.push(`its data runs past the start of the central directory (offset ${dirOff})`);
  return [end, diffs.join("; ")];
}

/** describeHidden says what hides in unlisted bytes that start with a local header. */
function describeHidden(b: Uint8Array, dv: DataView, from: number, to: number): string {
  if (to - from < 30 || dv.getUint32(from, true) !== LOCAL) return "";
  const n = Math.min(dv.getUint16(from + 26, true), to - from - 30);
  return `: they hold a local entry "${utf8.decode(b.subarray(from + 30, from + 30 + n))}" that the directory does not list`;
}

async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function readZipEntry(file: Blob, name: string, maxBytes = 1 << 20): Promise<Uint8Array | null> {
  try {
    return await findEntry(file, name, maxBytes);
  } catch (e) {
    // Truncated headers (RangeError) and broken deflate streams surface as other errors.
    if (e instanceof ZipError) throw e;
    throw new ZipError(`the zip archive is damaged (${(e as Error).message})`);
  }
}

async function findEntry(file: Blob, name: string, maxBytes: number): Promise<Uint8Array | null> {
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
  const tailStart = Math.max(0, file.size - 65_557);
  const tail = new DataView(await file.slice(tailStart).arrayBuffer());
  let eocd = -1;
  for (let i = tail.byteLength - 22; i >= 0; i--) {
    if (tail.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError("this file is not a zip archive");
  const count = tail.getUint16(eocd + 10, true);
  const cdSize = tail.getUint32(eocd + 12, true);
  const cdOffset = tail.getUint32(eocd + 16, true);
  if (cdOffset + cdSize > file.size) throw new ZipError("the zip archive is truncated");
  const cd = new DataView(await file.slice(cdOffset, cdOffset + cdSize).arrayBuffer());
  const decoder = new TextDecoder();
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cd.byteLength || cd.getUint32(p, true) !== CENTRAL) throw new ZipError("the zip archive's directory is damaged");
    const method = cd.getUint16(p + 10, true);
    const compressed = cd.getUint32(p + 20, true);
    const size = cd.getUint32(p + 24, true);
    const nameLen = cd.getUint16(p + 28, true);
    const extraLen = cd.getUint16(p + 30, true);
    const commentLen = cd.getUint16(p + 32, true);
    const local = cd.getUint32(p + 42, true);
    const entry = decoder.decode(new Uint8Array(cd.buffer, cd.byteOffset + p + 46, nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (entry !== name) continue;
    if (size > maxBytes) throw new ZipError(`${name} is larger than ${maxBytes} bytes`);
    const lh = new DataView(await file.slice(local, local + 30).arrayBuffer());
    if (lh.byteLength < 30 || lh.getUint32(0, true) !== LOCAL) throw new ZipError("the zip archive's entries are damaged");
    const start = local + 30 + lh.getUint16(26, true) + lh.getUint16(28, true);
    const raw = new Uint8Array(await file.slice(start, start + compressed).arrayBuffer());
    if (method === 0) return raw;
    if (method === 8) return inflateRaw(raw);
    throw new ZipError(`${name} uses compression method ${method}; use deflate`);
  }
  return null;
}

/**
 * manifestVersion reads the version from a package's app.json, after checking the zip's
 * structure as the platform will: a package it would refuse for that is not uploaded.
 */
export async function manifestVersion(file: Blob): Promise<string> {
  let problems: ZipProblem[];
  try {
    problems = checkZipStructure(new Uint8Array(await file.arrayBuffer()));
  } catch (e) {
    throw new ZipError(`the zip archive is damaged (${(e as Error).message})`);
  }
  if (problems.length === 1 && problems[0].code === "not_a_zip") throw new ZipError(problems[0].message, problems);
  if (problems.length > 0) {
    throw new ZipError(`the platform would refuse this zip file as it is built (${problems.map((p) => p.code).join(", ")}); rebuild it with mpdp upload or another zip tool`, problems);
  }
  const bytes = await readZipEntry(file, "app.json");
  if (!bytes) throw new ZipError("the package has no app.json at its root");
  let m: unknown;
  try {
    m = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ZipError("app.json is not valid JSON");
  }
  const v = (m as { version?: unknown })?.version;
  if (typeof v !== "string" || !v) throw new ZipError('app.json has no "version"');
  return v;
}
