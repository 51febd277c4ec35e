// The signed-in session: tokens kept in localStorage (one key), refreshed a
// minute before they expire, one refresh at a time.
import { Cognito, Tokens, claims } from "./cognito";

const KEY = "mpdp.session";
const EARLY_MS = 60_000;

export interface KeyValue {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
}

export class Session {
  private tokens: Tokens | null;
  private refreshing: Promise<Tokens | null> | null = null;
  private listeners = new Set<() => void>();

  constructor(
    private readonly cognito: Cognito,
    private readonly storage: KeyValue,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = Session.read(storage);
  }

  private static read(storage: KeyValue): Tokens | null {
    try {
      const t = JSON.parse(storage.getItem(KEY) ?? "null");
      return t && typeof t.idToken === "string" && typeof t.expiresAt === "number" ? t : null;
    } catch {
      return null;
    }
  }

  subscribe(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private set(t: Tokens | null) {
    this.tokens = t;
    if (t) this.storage.setItem(KEY, JSON.stringify(t));
    else this.storage.removeItem(KEY);
    this.listeners.forEach((f) => f());
  }

  signedIn(t: Tokens) {
    this.set(t);
  }

  signOut() {
    this.set(null);
  }

  get user(): { id: string; email: string } | null {
    if (!this.tokens) return null;
    const c = claims(this.tokens.idToken);
    return { id: String(c.sub ?? ""), email: String(c.email ?? "") };
  }

  /** token returns a current ID token, refreshing it when close to expiry; null when signed out. */
  async token(): Promise<string | null> {
    const t = this.tokens;
    if (!t) return null;
    if (t.expiresAt - EARLY_MS > this.now()) return t.idToken;
    if (!t.refreshToken) {
      this.set(null);
      return null;
    }
    this.refreshing ??= this.cognito
      .refresh(t.refreshToken)
      .then((fresh) => (this.set(fresh), fresh))
      .catch(() => (this.set(null), null))
      .finally(() => (this.refreshing = null));
    return (await this.refreshing)?.idToken ?? null;
  }
}
