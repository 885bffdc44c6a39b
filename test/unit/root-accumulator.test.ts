/** The streaming root accumulator agrees with the reference tree at every size, and keeps the roots asked for. */
import t from 'tap';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { entryLeafHash, MemoryMerkleTree, RootAccumulator } from '../../src/ledger/merkle/index.js';

const hashOf = (i: number) => createHash('sha256').update(`entry ${i}`).digest('hex');

t.test('root and wanted roots equal the in-memory tree', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 300 }), fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 4 }), (size, wanted) => {
      const hashes = Array.from({ length: size }, (_, i) => hashOf(i));
      const tree = new MemoryMerkleTree(hashes.map(entryLeafHash));
      const roots = new RootAccumulator(wanted);
      for (const h of hashes) roots.pushEntryHash(h);
      if (roots.size !== size || !roots.root().equals(tree.root())) return false;
      return wanted.every((w) => (w > size ? !roots.roots.has(w) : roots.roots.get(w) === tree.rootAt(w).toString('hex')));
    }),
    { numRuns: 200 },
  );
  t.pass('200 random sizes agree');
});

t.test('a malformed hash still counts as a leaf, and changes the root', async (t) => {
  const good = new RootAccumulator();
  const bad = new RootAccumulator();
  good.pushEntryHash(hashOf(1));
  bad.pushEntryHash('not a hash');
  t.equal(bad.size, 1);
  t.not(bad.root().toString('hex'), good.root().toString('hex'));
});
