/**
 * Look-ups by key that share round trips under load: at most `maxInFlight` queries run at once;
 * keys asked for meanwhile wait and go together in the next query (one statement for up to
 * `maxBatch` keys). Every answer still comes from a query sent after it was asked for, so nothing
 * is answered from a cache: a token revoked before a request arrived is refused at once. When
 * nothing else is in flight a key is looked up at once, alone, as a plain query would be.
 */
export class CoalescedLookup<K, V> {
  private readonly waiting: { key: K; resolve: (value: V | undefined) => void; reject: (err: unknown) => void }[] = [];
  private inFlight = 0;
  /** queries sent and keys answered, for benchmarks */
  readonly stats = { queries: 0, keys: 0 };

  constructor(
    private readonly loadMany: (keys: K[]) => Promise<ReadonlyMap<K, V>>,
    private readonly maxInFlight = 1,
    private readonly maxBatch = 256,
  ) {}

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (this.inFlight < this.maxInFlight) void this.send();
    });
  }

  private async send(): Promise<void> {
    while (this.waiting.length > 0) {
      const asked = this.waiting.splice(0, this.maxBatch);
      this.inFlight += 1;
      this.stats.queries += 1;
      this.stats.keys += asked.length;
      try {
        const found = await this.loadMany([...new Set(asked.map((a) => a.key))]);
        for (const a of asked) a.resolve(found.get(a.key));
      } catch (err) {
        for (const a of asked) a.reject(err);
      } finally {
        this.inFlight -= 1;
      }
    }
  }
}
