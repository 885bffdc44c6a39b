/** Payloads of money entries: every transfer, and each committed distribution. */
import { z } from 'zod';
import { Amount, Count, Currency, Id } from './shared.js';

export const TransferKindName = z.enum(['grant', 'distribution', 'reservation', 'allocation', 'disbursement', 'return', 'refund']);

export const TransferRecorded = z
  .object({
    transferId: Id,
    kind: TransferKindName,
    from: Id,
    to: Id,
    amount: Amount,
    currency: Currency,
    memo: z.string().nullable(),
    receiptRef: z.string().nullable(),
    spentOn: z.string().nullable(),
    distributionId: Id.nullable(),
  })
  .strict();

/**
 * The receiving community's note of a transfer recorded in the paying community's stream (money
 * crossing communities): the transfer as recorded, its owner, and where its `transfer.recorded` is.
 */
export const TransferReceived = z
  .object({
    transferId: Id,
    owner: Id,
    kind: TransferKindName,
    from: Id,
    to: Id,
    amount: Amount,
    currency: Currency,
    memo: z.string().nullable(),
    recordedIn: z.object({ stream: Id, seq: Count, hash: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
  })
  .strict();

export const DistributionPartPayload = z.object({ communityId: Id, amount: Amount, weight: z.string(), exactShare: z.string(), remainderUnit: z.boolean() }).strict();

export const DistributionCommitted = z
  .object({
    distributionId: Id,
    amount: Amount,
    currency: Currency,
    formula: z.enum(['equal', 'per-learner', 'needs-weighted', 'base-plus-per-learner']),
    base: Amount.nullable(),
    communities: z.array(Id).nullable(),
    parts: z.array(DistributionPartPayload),
  })
  .strict();
