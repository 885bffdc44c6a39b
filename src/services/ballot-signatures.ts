/** EIP-712 signature recovery for ballots, through ethers (the only ethers use outside anchoring). */
import { verifyTypedData } from 'ethers';
import type { BallotTypedData } from '../governance/signed-ballot.js';

/** The address that signed the typed data, lowercase; undefined when the signature is malformed. */
export function recoverBallotSigner(data: BallotTypedData, signature: string): string | undefined {
  try {
    const types = { Ballot: data.types.Ballot.map((f) => ({ ...f })) };
    return verifyTypedData(data.domain, types, data.message, signature).toLowerCase();
  } catch {
    return undefined;
  }
}
