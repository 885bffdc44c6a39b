/** Error codes of sealed ballots, trustees and paper ballots (issues 11 and 13.7); statuses in src/http/problem.ts. */
export type SealedBallotCode =
  | 'voting-open'
  | 'no-ballot'
  | 'invalid-trustees'
  | 'trustee-key-missing'
  | 'not-a-trustee'
  | 'malformed-key-share'
  | 'wrong-key-share'
  | 'share-already-received'
  | 'paper-batch-pending'
  | 'paper-batch-exists'
  | 'paper-batch-not-found'
  | 'paper-batch-decided'
  | 'same-steward';
