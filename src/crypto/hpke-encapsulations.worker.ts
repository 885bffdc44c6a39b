/**
 * The thread behind EncapsulationPool (src/crypto/hpke-encapsulations.ts): makes HPKE sender contexts
 * for a recipient and `info` and sends them back packed, a chunk at a time, so the first arrive early.
 */
import { parentPort } from 'node:worker_threads';
import { packSenderContexts, setupBaseSender } from './hpke-node.js';
import type { EncapsulationRequest } from './hpke-encapsulations.js';

const CHUNK = 64;

parentPort?.on('message', (request: EncapsulationRequest) => {
  for (let made = 0; made < request.count; made += CHUNK) {
    const count = Math.min(CHUNK, request.count - made);
    const packed = packSenderContexts(Array.from({ length: count }, () => setupBaseSender(request.recipientPublic, request.info)));
    parentPort?.postMessage({ id: request.id, packed, last: made + count >= request.count }, [packed.buffer]);
  }
});
