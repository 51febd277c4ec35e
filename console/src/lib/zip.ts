// readZipEntry finds one file in a zip and returns its bytes, so the console can
// read a package's app.json (its version) before uploading. Only what a
// package may hold is supported: stored or deflated entries, no zip64.

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export class ZipError extends Error {}

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

/** manifestVersion reads the version from a package's app.json. */
export async function manifestVersion(file: Blob): Promise<string> {
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
