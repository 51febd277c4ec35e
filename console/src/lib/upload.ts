// Browser uploads through presigned URLs: hash the file, then PUT it with the
// exact headers the URL was signed for, reporting progress.

export async function sha256Hex(file: Blob): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export interface Presigned {
  url: string;
  method: string;
  headers: Record<string, string>;
}

export class UploadError extends Error {}

/** headersToSend drops the headers a browser sets itself and refuses to let scripts set. */
export function headersToSend(h: Record<string, string>): Record<string, string> {
  const forbidden = new Set(["host", "content-length"]);
  return Object.fromEntries(Object.entries(h).filter(([k]) => !forbidden.has(k.toLowerCase())));
}

/** put sends file to a presigned URL; onProgress gets the fraction sent (0..1). */
export function put(p: Presigned, file: Blob, onProgress: (f: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(p.method || "PUT", p.url);
    for (const [k, v] of Object.entries(headersToSend(p.headers))) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else {
        const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText)?.[1];
        reject(new UploadError(`the storage refused the upload (${xhr.status}${code ? " " + code : ""}); ask for a new upload and try again`));
      }
    };
    xhr.onerror = () => reject(new UploadError("the upload was interrupted; check your connection and try again"));
    xhr.onabort = () => reject(new UploadError("the upload was cancelled"));
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(file);
  });
}
