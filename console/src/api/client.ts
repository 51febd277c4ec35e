// The API client: JSON over fetch with the caller's token, problem+json errors
// turned into ApiError, ETags handed back so updates can send If-Match.

import type { Problem } from "./types";

/** ApiError is a problem+json answer (or a network failure, status 0). */
export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(describe(problem));
    this.name = "ApiError";
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
  /** The message for one input field, if the API named it. */
  field(name: string): string | undefined {
    return this.problem.errors?.find((e) => e.field === name)?.message;
  }
}

const plain: Record<number, string> = {
  0: "The platform could not be reached. Check your connection and try again.",
  401: "Your session has ended. Sign in again.",
  403: "Your role in this workspace does not allow this.",
  404: "This was not found, or you cannot see it.",
  409: "This conflicts with the current state.",
  412: "Someone else changed this since you opened it. Reload and try again.",
  413: "This is too large.",
  428: "Reload and try again (the update needs the current version).",
  429: "Too many requests. Wait a moment and try again.",
};

/** describe turns a problem into one sentence a user can act on. */
export function describe(p: Problem): string {
  if (p.detail) return p.detail.charAt(0).toUpperCase() + p.detail.slice(1) + (/[.!?]$/.test(p.detail) ? "" : ".");
  if (plain[p.status]) return plain[p.status];
  if (p.status >= 500) return "The platform failed to answer. Try again in a moment.";
  return p.title || `The request failed (${p.status}).`;
}

export interface Client {
  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T & { etag?: string }>;
  send<T>(
    method: "POST" | "PUT" | "PATCH" | "DELETE",
    path: string,
    body?: unknown,
    opts?: { ifMatch?: string; idempotencyKey?: string },
  ): Promise<T & { etag?: string }>;
}

export interface ClientOptions {
  baseURL: string;
  /** token returns a valid ID token, refreshing it if needed; null when signed out. */
  token: () => Promise<string | null>;
  /** onUnauthorized is told about a 401, so the app can ask for sign-in. */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
}

export function queryString(query?: Record<string, string | number | undefined>): string {
  if (!query) return "";
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? "?" + s : "";
}

export function newClient(o: ClientOptions): Client {
  const doFetch = o.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const h: Record<string, string> = { Accept: "application/json, application/problem+json", ...headers };
    const token = await o.token();
    if (token) h.Authorization = "Bearer " + token;
    if (body !== undefined) h["Content-Type"] = "application/json";
    let res: Response;
    try {
      res = await doFetch(o.baseURL + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError({ type: "about:blank", title: "Network error", status: 0 });
    }
    const text = await res.text();
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    if (!res.ok) {
      if (res.status === 401) o.onUnauthorized?.();
      const p = (data && typeof data === "object" ? data : {}) as Partial<Problem>;
      // In the cloud a 401 comes from API Gateway as {"message": ...}, not a problem.
      throw new ApiError({ type: "about:blank", ...p, title: p.title || res.statusText || "Error", status: res.status });
    }
    const out = (data && typeof data === "object" ? data : {}) as T & { etag?: string };
    const etag = res.headers.get("ETag");
    if (etag) out.etag = etag;
    return out;
  }
  return {
    get: (path, query) => call("GET", path + queryString(query)),
    send: (method, path, body, opts = {}) => {
      const h: Record<string, string> = {};
      if (opts.ifMatch) h["If-Match"] = opts.ifMatch;
      if (opts.idempotencyKey) h["Idempotency-Key"] = opts.idempotencyKey;
      return call(method, path, body, h);
    },
  };
}

/** newIdempotencyKey names one attempt of a create, so a retry cannot create twice. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
