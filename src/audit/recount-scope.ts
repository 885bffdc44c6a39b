/**
 * Which entries a recount can be about, from their canonical bytes alone (no parse, no imports):
 * the recount (RecountCheck in checks.ts) acts only on an entry whose payload names a cycle, and
 * canonical JSON spells that `"cycleId":"`. Kept apart so the export verifier's worker threads
 * filter with it without loading the event catalog and the governance fold.
 */

/** true for every entry the recount folds or refuses; also for some it then ignores (a nested cycleId). */
export function mayNameCycle(body: string): boolean {
  return body.includes('"cycleId":"');
}
