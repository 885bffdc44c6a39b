/**
 * Funders' money traced through the pool (issue 14.2). Money given to the pool loses its giver once
 * it is there; a funder still wants to know which communities its money reached. The attribution:
 * walk the pool of one currency in the order its transfers were recorded, keeping each funder's
 * money still in the pool. A distribution pays each of its parts pro rata to every funder's share
 * of the pool's balance just before the distribution:
 *
 *   attributed(funder, part) = ⌊ part × money(funder) / poolBalance ⌋        (bigint, rounded down)
 *
 * and each funder's money then goes down by its share of the whole distribution rounded up,
 *
 *   money(funder) −= ⌈ distributed × money(funder) / poolBalance ⌉            (at most all of it)
 *
 * Rounding the attribution down and the decrease up keeps three things true whatever the history:
 * no funder is attributed more than it gave, the funders' attributions of a part never add up to
 * more than the part, and the funders' money never adds up to more than the pool. The price is a
 * few minor units per distribution (fewer than its parts, per funder) attributed to nobody.
 * A refund from the pool to a funder returns that funder's own money first; whatever it refunds
 * beyond that is taken from the other funders pro rata, rounded up the same way. Pure and exact:
 * bigint only, the same movements give the same attribution.
 *
 * Example (the README's): funders A and B give 3,000,000 and 1,000,000; one equal distribution of
 * 4,000,000 to two communities pays 2,000,000 each, of which ⌊2,000,000 × 1,000,000 / 4,000,000⌋ =
 * 500,000 is B's money.
 */
import { parseAccount } from './accounts.js';
import type { TransferRecord } from './transfer.js';

export type PoolMovement =
  /** external:<funderId> → pool */
  | { kind: 'grant'; funderId: string; amountMinor: bigint }
  /** pool → communities, one movement per distribution; `counted`: inside the report's window */
  | { kind: 'distribution'; parts: readonly { communityId: string; amountMinor: bigint }[]; counted: boolean }
  /** pool → external:<funderId> (a correction of a grant) */
  | { kind: 'refund'; funderId: string; amountMinor: bigint };

export interface PoolAttribution {
  /** minor units of the funder's money that reached each community in counted distributions */
  byCommunity: Map<string, bigint>;
  /** the funder's money still in the pool after the last movement */
  remainingMinor: bigint;
}

export function attributePoolMoney(movements: readonly PoolMovement[], funderId: string): PoolAttribution {
  const money = new Map<string, bigint>();
  const byCommunity = new Map<string, bigint>();
  let pool = 0n;
  for (const movement of movements) {
    switch (movement.kind) {
      case 'grant':
        pool += movement.amountMinor;
        money.set(movement.funderId, (money.get(movement.funderId) ?? 0n) + movement.amountMinor);
        break;
      case 'refund': {
        const own = money.get(movement.funderId) ?? 0n;
        const fromOwn = own < movement.amountMinor ? own : movement.amountMinor;
        money.set(movement.funderId, own - fromOwn);
        const excess = movement.amountMinor - fromOwn;
        const others = [...money].filter(([funder]) => funder !== movement.funderId);
        const othersTotal = others.reduce((sum, [, held]) => sum + held, 0n);
        if (excess > 0n && othersTotal > 0n) {
          for (const [funder, held] of others) money.set(funder, held - minOf(held, ceilDiv(excess * held, othersTotal)));
        }
        pool -= movement.amountMinor;
        break;
      }
      case 'distribution': {
        const total = movement.parts.reduce((sum, p) => sum + p.amountMinor, 0n);
        if (pool > 0n) {
          for (const [funder, held] of money) {
            if (held === 0n) continue;
            if (funder === funderId && movement.counted) {
              for (const part of movement.parts) {
                const share = (part.amountMinor * held) / pool;
                if (share > 0n) byCommunity.set(part.communityId, (byCommunity.get(part.communityId) ?? 0n) + share);
              }
            }
            money.set(funder, held - minOf(held, ceilDiv(total * held, pool)));
          }
        }
        pool -= total;
        break;
      }
    }
    // Guards for histories the ledger never writes (a pool below zero).
    if (pool < 0n) pool = 0n;
    for (const [funder, held] of money) if (held > pool) money.set(funder, pool);
  }
  return { byCommunity, remainingMinor: money.get(funderId) ?? 0n };
}

function ceilDiv(num: bigint, den: bigint): bigint {
  return (num + den - 1n) / den;
}

function minOf(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/**
 * The pool's transfers as movements for the attribution: grants in, refunds out, and each
 * distribution's parts together (counted when the distribution falls in the window).
 */
export function poolMovementsOf(
  transfers: readonly Pick<TransferRecord, 'transferId' | 'from' | 'to' | 'amountMinor' | 'distributionId' | 'at'>[],
  window: { from?: string; to?: string },
): PoolMovement[] {
  const start = window.from === undefined ? undefined : Date.parse(window.from);
  const end = window.to === undefined ? undefined : Date.parse(window.to);
  const inWindow = (at: string) => (start === undefined || Date.parse(at) >= start) && (end === undefined || Date.parse(at) < end);
  const movements: PoolMovement[] = [];
  const distributions = new Map<string, { parts: { communityId: string; amountMinor: bigint }[]; counted: boolean }>();
  for (const t of transfers) {
    const from = parseAccount(t.from);
    const to = parseAccount(t.to);
    if (!from.ok || !to.ok) continue;
    if (to.account.kind === 'pool' && from.account.kind === 'external') {
      movements.push({ kind: 'grant', funderId: from.account.funderId, amountMinor: t.amountMinor });
    } else if (from.account.kind === 'pool' && to.account.kind === 'external') {
      movements.push({ kind: 'refund', funderId: to.account.funderId, amountMinor: t.amountMinor });
    } else if (from.account.kind === 'pool' && to.account.kind === 'community') {
      const id = t.distributionId ?? t.transferId;
      let movement = distributions.get(id);
      if (movement === undefined) {
        movement = { parts: [], counted: inWindow(t.at) };
        distributions.set(id, movement);
        movements.push({ kind: 'distribution', ...movement, parts: movement.parts });
      }
      movement.parts.push({ communityId: to.account.communityId, amountMinor: t.amountMinor });
    }
  }
  return movements;
}
