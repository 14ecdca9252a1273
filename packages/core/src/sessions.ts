/**
 * Stateful HTTP sessions (Streamable HTTP with PORTCULLIS_HTTP_MODE=stateful, and legacy SSE):
 * who owns each one (tenant + principal id), how many one principal may hold, and when an idle
 * one is closed. Each session costs a server and a transport (tens of KB), so neither the count
 * nor the lifetime may be left to the client.
 */

export type SessionKind = 'streamable' | 'sse';

export interface SessionOwner {
  tenant: string;
  id: string;
}

export interface SessionEntry<T> {
  kind: SessionKind;
  owner: string;
  value: T;
  lastSeen: number;
}

export interface SessionRegistryOptions<T> {
  idleMs: number;
  perPrincipal: number;
  /** Closes a session's transport and server; called once when it is evicted. */
  close: (value: T, reason: 'idle' | 'evicted' | 'shutdown') => void;
  now?: () => number;
}

/** Thrown by reserve() when the principal already holds its maximum. */
export class SessionLimitError extends Error {
  constructor(readonly limit: number) {
    super(`at most ${limit} open sessions per principal`);
    this.name = 'SessionLimitError';
  }
}

/** The key a session is owned by: the same id in two tenants is two principals. */
export function ownerKey(p: SessionOwner): string {
  return JSON.stringify([p.tenant, p.id]);
}

export class SessionRegistry<T> {
  // Kinds are kept apart so an id of one kind can never be looked up as the other.
  private readonly byKind: Record<SessionKind, Map<string, SessionEntry<T>>> = {
    streamable: new Map(),
    sse: new Map(),
  };
  /** Open sessions plus reservations (initialize requests in flight), per owner. */
  private readonly held = new Map<string, number>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SessionRegistryOptions<T>) {
    this.now = opts.now ?? Date.now;
  }

  /** Starts the idle sweep (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.timer) return;
    const every = Math.max(250, Math.min(Math.floor(this.opts.idleMs / 4), 60_000));
    this.timer = setInterval(() => this.sweep(), every);
    this.timer.unref();
  }

  /**
   * Holds a place for a session the owner is about to open. At the cap, the owner's least recently
   * used session is closed to make room (a client that leaked sessions recovers: the old id answers
   * 404 and the spec has it start over); when every place is an initialize still in flight, throws
   * SessionLimitError. Call the returned release() if the session is never added.
   */
  reserve(owner: SessionOwner): { key: string; release: () => void } {
    const key = ownerKey(owner);
    if ((this.held.get(key) ?? 0) >= this.opts.perPrincipal) this.evictOldest(key);
    const n = this.held.get(key) ?? 0;
    if (n >= this.opts.perPrincipal) throw new SessionLimitError(this.opts.perPrincipal);
    this.held.set(key, n + 1);
    let released = false;
    return {
      key,
      release: () => {
        if (released) return;
        released = true;
        this.decrement(key);
      },
    };
  }

  /** Records a session under a reservation (the reservation becomes the session's place). */
  add(kind: SessionKind, id: string, ownerKeyOfReservation: string, value: T): void {
    this.byKind[kind].set(id, { kind, owner: ownerKeyOfReservation, value, lastSeen: this.now() });
  }

  /** The session of that kind with that id, or undefined. Does not count as use (see touch). */
  get(kind: SessionKind, id: string): SessionEntry<T> | undefined {
    return this.byKind[kind].get(id);
  }

  /** Marks a session used; only its owner's requests do, so nobody else can keep it alive. */
  touch(e: SessionEntry<T>): void {
    e.lastSeen = this.now();
  }

  /** Forgets a session (its transport closed); frees its owner's place. Idempotent. */
  delete(kind: SessionKind, id: string): void {
    const e = this.byKind[kind].get(id);
    if (!e) return;
    this.byKind[kind].delete(id);
    this.decrement(e.owner);
  }

  /** Closes every session idle for longer than idleMs; returns how many. */
  sweep(now = this.now()): number {
    let n = 0;
    for (const kind of ['streamable', 'sse'] as const) {
      for (const [id, e] of this.byKind[kind]) {
        if (now - e.lastSeen <= this.opts.idleMs) continue;
        this.delete(kind, id);
        this.opts.close(e.value, 'idle');
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.byKind.streamable.size + this.byKind.sse.size;
  }

  /** Stops the sweep and closes every session. */
  closeAll(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const kind of ['streamable', 'sse'] as const) {
      for (const [id, e] of this.byKind[kind]) {
        this.delete(kind, id);
        this.opts.close(e.value, 'shutdown');
      }
    }
  }

  private evictOldest(owner: string): void {
    let oldest: { kind: SessionKind; id: string; e: SessionEntry<T> } | undefined;
    for (const kind of ['streamable', 'sse'] as const) {
      for (const [id, e] of this.byKind[kind]) {
        if (e.owner === owner && (oldest === undefined || e.lastSeen < oldest.e.lastSeen))
          oldest = { kind, id, e };
      }
    }
    if (oldest === undefined) return;
    this.delete(oldest.kind, oldest.id);
    this.opts.close(oldest.e.value, 'evicted');
  }

  private decrement(key: string): void {
    const n = (this.held.get(key) ?? 0) - 1;
    if (n <= 0) this.held.delete(key);
    else this.held.set(key, n);
  }
}
