/**
 * An AnchorStore in memory for the anchor worker's tests: returns copies, like a database would.
 * Test support only: the service keeps anchors in the database (src/db), nothing in src/ or
 * scripts/ imports this.
 */
import { isDue, type AnchorRecord } from '../../src/anchoring/anchor-state.js';
import type { AnchorStore } from '../../src/anchoring/anchor-worker.js';

export function createMemoryAnchorStore(initial: readonly AnchorRecord[] = []): AnchorStore & {
  get(id: string): AnchorRecord | undefined;
  all(): AnchorRecord[];
} {
  const records = new Map<string, AnchorRecord>();
  const copy = (record: AnchorRecord): AnchorRecord => ({ ...record, txHashes: [...record.txHashes] });
  for (const record of initial) records.set(record.id, copy(record));
  const all = (): AnchorRecord[] => [...records.values()].map(copy).sort((a, b) => a.checkpointNumber - b.checkpointNumber);
  return {
    async due(now) {
      return all().filter((record) => isDue(record, now));
    },
    async save(record) {
      records.set(record.id, copy(record));
    },
    get: (id) => {
      const record = records.get(id);
      return record === undefined ? undefined : copy(record);
    },
    all,
  };
}
