/**
 * Login attempts per key (address + email) in a sliding window: a password cannot be guessed at
 * network speed. In memory: one server process is the deployment we ship; a restart forgets.
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Records an attempt; returns the seconds to wait when over the limit, else 0. */
  attempt(key: string): number {
    const t = this.now();
    const recent = (this.hits.get(key) ?? []).filter((h) => t - h < this.windowMs);
    if (recent.length >= this.max) {
      this.hits.set(key, recent);
      const oldest = recent[0] ?? t;
      return Math.max(1, Math.ceil((oldest + this.windowMs - t) / 1000));
    }
    recent.push(t);
    this.hits.set(key, recent);
    if (this.hits.size > 100_000) this.prune(t);
    return 0;
  }

  /** A successful login clears the key's failures. */
  reset(key: string): void {
    this.hits.delete(key);
  }

  private prune(t: number): void {
    for (const [key, list] of this.hits)
      if (list.every((h) => t - h >= this.windowMs)) this.hits.delete(key);
  }
}
