// Data loading hooks: one request's state, and cursor pages.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  set: (t: T) => void;
}

/** useAsync runs load when deps change; a late answer for old deps is dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => n === seq.current && setState({ data, loading: false }),
      (error) => n === seq.current && setState({ error, loading: false }),
    );
  }, [...deps, tick]);
  return {
    data: state.data,
    error: state.error,
    loading: state.loading,
    reload: useCallback(() => setTick((t) => t + 1), []),
    set: useCallback((data: T) => setState({ data, loading: false }), []),
  };
}

/** Cursors walks cursor pages: the cursors of the pages before the current one are kept for Previous. */
export class Cursors {
  constructor(readonly stack: (string | undefined)[] = [undefined]) {}
  get current(): string | undefined {
    return this.stack[this.stack.length - 1];
  }
  get page(): number {
    return this.stack.length;
  }
  get hasPrevious(): boolean {
    return this.stack.length > 1;
  }
  next(cursor: string): Cursors {
    return new Cursors([...this.stack, cursor]);
  }
  previous(): Cursors {
    return this.hasPrevious ? new Cursors(this.stack.slice(0, -1)) : this;
  }
}

export interface PageOf<T> {
  items: T[];
  nextCursor?: string;
}

export interface Paged<T> extends Async<PageOf<T>> {
  cursors: Cursors;
  next: () => void;
  previous: () => void;
}

/** usePaged loads one page at a time; changing deps (filters) starts again at page 1. */
export function usePaged<T>(load: (cursor: string | undefined) => Promise<PageOf<T>>, deps: unknown[]): Paged<T> {
  const [cursors, setCursors] = useState(new Cursors());
  const key = JSON.stringify(deps);
  const lastKey = useRef(key);
  let effective = cursors;
  if (lastKey.current !== key) {
    lastKey.current = key;
    effective = new Cursors();
    if (cursors.page !== 1) setCursors(effective);
  }
  const a = useAsync(() => load(effective.current), [key, effective.current]);
  return {
    ...a,
    cursors: effective,
    next: () => a.data?.nextCursor && setCursors(effective.next(a.data.nextCursor)),
    previous: () => setCursors(effective.previous()),
  };
}
