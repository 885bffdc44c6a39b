/**
 * The thread behind EncapsulationPool (src/crypto/hpke-encapsulations.ts): makes HPKE sender contexts
 * for a recipient and `info` and sends them back packed, a chunk at a time, so the first arrive early.
 */
import { parentPort } from 'node:worker_threads';
import { SENDER_CONTEXT_BYTES, setupBaseSender } from './hpke-node.js';
import type { EncapsulationRequest } from './hpke-encapsulations.js';

const CHUNK = 64;

parentPort?.on('message', (request: EncapsulationRequest) => {
  for (let made = 0; made < request.count; made += CHUNK) {
    const count = Math.min(CHUNK, request.count - made);
    const packed = new Uint8Array(count * SENDER_CONTEXT_BYTES);
    for (let i = 0; i < count; i += 1) {
      const context = setupBaseSender(request.recipientPublic, request.info);
      const at = i * SENDER_CONTEXT_BYTES;
      packed.set(context.enc, at);
      packed.set(context.key, at + context.enc.length);
      packed.set(context.baseNonce, at + context.enc.length + context.key.length);
    }
    parentPort?.postMessage({ id: request.id, packed, last: made + count >= request.count }, [packed.buffer]);
  }
});
