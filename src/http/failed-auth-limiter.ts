/**
 * Failed authentications per IP (issue 9 item 10): at most `max` a minute, then every request of
 * that IP that carries credentials (a bearer token or a session cookie) answers 429 until the
 * minute is over, before its token is even looked up — so a token-guessing flood is slowed and
 * learns nothing. Requests without credentials are not attempts and are left to the general limit.
 *
 * A fixed one-minute window per IP, in this process's memory (each process of a cluster counts its
 * own; behind a proxy configure fastify's trustProxy so `request.ip` is the client's).
 */
export const FAILED_AUTH_PER_MINUTE = 60;
const WINDOW_MS = 60_000;
/** Above this many tracked IPs, windows that are over are swept on the next failure. */
const SWEEP_AT = 10_000;

export class FailedAuthLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until this IP may try again, or undefined when it may try now. */
  blockedFor(ip: string): number | undefined {
    const window = this.windows.get(ip);
    if (window === undefined) return undefined;
    const left = window.start + WINDOW_MS - this.now();
    if (left <= 0) {
      this.windows.delete(ip);
      return undefined;
    }
    return window.count >= this.max ? Math.ceil(left / 1000) : undefined;
  }

  /** Counts one failed authentication of this IP. */
  fail(ip: string): void {
    const now = this.now();
    const window = this.windows.get(ip);
    if (window === undefined || window.start + WINDOW_MS <= now) {
      if (this.windows.size >= SWEEP_AT) this.sweep(now);
      this.windows.set(ip, { start: now, count: 1 });
      return;
    }
    window.count += 1;
  }

  private sweep(now: number): void {
    for (const [ip, window] of this.windows) if (window.start + WINDOW_MS <= now) this.windows.delete(ip);
  }
}
