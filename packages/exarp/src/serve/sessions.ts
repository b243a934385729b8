// Browser sessions: a random id in an HttpOnly cookie stands for a token the page exchanged once, so
// the token never sits in the page, and the event stream is authenticated by the cookie.
import { randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The cookie holding the session id, named by port: browsers keep cookies per host, not per port,
 * so two servers on one machine would otherwise log each other's pages out.
 */
export const sessionCookie = (port: number) => `exarp_session_${port}`;

/** A logged-in browser: which token it stands for, its anti-forgery value, when it ends. */
export type Session = { tokenId: string; csrf: string; expiresAt: number };

export type SessionOptions = {
  /** The cookie's name (default: that of port 4477, see sessionCookie). */
  cookie?: string;
  /** How long a session lasts from login (default 12 h). */
  ttlMs?: number;
  /** The most sessions kept; logging in beyond it ends the oldest (default 1000). */
  maxSessions?: number;
  now?: () => number;
};

const randomId = () => randomBytes(32).toString("base64url");

/** Equal strings, compared in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The in-memory session table: bounded, expiring, gone when the server stops. */
export function createSessions(options: SessionOptions = {}) {
  const { cookie = sessionCookie(4477), ttlMs = 12 * 60 * 60_000, maxSessions = 1000, now = Date.now } = options;
  const sessions = new Map<string, Session>();
  // Who wants to hear that a session ended (its page's event stream).
  const listeners = new Map<string, Set<() => void>>();
  const drop = (id: string) => {
    sessions.delete(id);
    const heard = listeners.get(id);
    listeners.delete(id);
    for (const listener of heard ?? []) listener();
  };

  return {
    cookie,
    ttlMs,

    /** Starts a session for a token; returns its id (the cookie's value) and the session. */
    open(tokenId: string): { id: string; session: Session } {
      for (const [id, s] of sessions) if (s.expiresAt <= now()) drop(id);
      // Maps iterate in insertion order: the first key is the oldest session.
      while (sessions.size >= maxSessions) drop(sessions.keys().next().value as string);
      const id = randomId();
      const session = { tokenId, csrf: randomId(), expiresAt: now() + ttlMs };
      sessions.set(id, session);
      return { id, session };
    },

    /** The live session with this id, if any (an expired one is dropped). */
    find(id: string): Session | undefined {
      const session = sessions.get(id);
      if (session && session.expiresAt <= now()) {
        drop(id);
        return undefined;
      }
      return session;
    },

    /** Ends a session (logout, its token revoked); whoever listens on it hears so. */
    close(id: string): void {
      drop(id);
    },

    /** Calls `listener` once when the session ends; returns how to stop listening. */
    onClose(id: string, listener: () => void): () => void {
      const set = listeners.get(id) ?? new Set();
      set.add(listener);
      listeners.set(id, set);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(id) === set) listeners.delete(id);
      };
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
