/**
 * Signed ballots (optional per community): the member's Ethereum key signs EIP-712 typed data
 * whose domain binds the chain id and whose message binds the community, the cycle, the voter's
 * pseudonym in that cycle, a nonce and the exact ballot (its canonical JSON), so a signature is
 * worth nothing in another cycle or community, for another voter, twice, or for an edited ballot. The ledger keeps the signature and nonce with the
 * ballot, so an auditor can recheck that the server recorded what the member signed.
 */
import { canonicalJson } from '../ledger/canonical-json.js';
import type { JsonObject } from '../ledger/entry.js';
import type { BallotInput } from './ballot.js';

export const BALLOT_DOMAIN_NAME = 'Agora Ledger';
export const BALLOT_DOMAIN_VERSION = '1';

export const BALLOT_TYPES = {
  Ballot: [
    { name: 'community', type: 'string' },
    { name: 'cycle', type: 'string' },
    { name: 'voter', type: 'string' },
    { name: 'nonce', type: 'uint256' },
    { name: 'ballot', type: 'string' },
  ],
} as const;

export interface BallotTypedData {
  domain: { name: string; version: string; chainId: number };
  types: typeof BALLOT_TYPES;
  primaryType: 'Ballot';
  message: { community: string; cycle: string; voter: string; nonce: string; ballot: string };
}

/**
 * The choices alone (signature fields removed), in canonical JSON: what the member signs. Points are
 * signed in one form whichever the request used, so an auditor rebuilds it from the recorded strings:
 * a JSON number up to 2^53 − 1, a decimal string (no leading zeros) above (issue 9.12).
 */
export function ballotChoices(input: BallotInput): JsonObject {
  if ('points' in input) return { points: Object.fromEntries(Object.entries(input.points).map(([id, p]) => [id, signedPoints(p)])) };
  if ('ranking' in input) return { ranking: input.ranking };
  return { approvals: input.approvals };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function signedPoints(points: number | string): number | string {
  const value = BigInt(points);
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value.toString();
}

/** `voter` is the member's pseudonym in this cycle (the `voter` of their `ballot.cast` entries). */
export function ballotTypedData(chainId: number, communityId: string, cycleId: string, voter: string, nonce: string, input: BallotInput): BallotTypedData {
  return {
    domain: { name: BALLOT_DOMAIN_NAME, version: BALLOT_DOMAIN_VERSION, chainId },
    types: BALLOT_TYPES,
    primaryType: 'Ballot',
    message: { community: communityId, cycle: cycleId, voter, nonce, ballot: canonicalJson(ballotChoices(input)) },
  };
}
