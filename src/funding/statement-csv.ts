/**
 * A community's statement as CSV: one record per transfer, oldest first. Machine columns keep the
 * API's forms (`amount` in integer minor units, ids, the ledger entry); `amountReadable` is the
 * amount as a person reads it (`EUR 1,500.00`, formatMoney). Free text (memo, receipt reference,
 * client-chosen ids) is neutralized against formula injection (src/csv.ts).
 */
import { csvRecord, neutralizeFormula } from '../csv.js';
import { formatMoney } from '../governance/currency.js';
import type { TransferRecord } from './transfer.js';

export const STATEMENT_CSV_COLUMNS = [
  'at',
  'kind',
  'from',
  'to',
  'amountReadable',
  'amount',
  'currency',
  'memo',
  'receiptRef',
  'spentOn',
  'transferId',
  'distributionId',
  'entryStream',
  'entrySeq',
  'entryHash',
] as const;

export function statementCsvHeader(): string {
  return csvRecord(STATEMENT_CSV_COLUMNS);
}

/** The records of some transfers (a page of the statement), without the header. */
export function statementCsvRecords(transfers: readonly TransferRecord[]): string {
  return transfers
    .map((t) =>
      csvRecord([
        t.at,
        t.kind,
        neutralizeFormula(t.from),
        neutralizeFormula(t.to),
        formatMoney(t.amountMinor, t.currency),
        t.amountMinor.toString(),
        t.currency,
        neutralizeFormula(t.memo ?? ''),
        neutralizeFormula(t.receiptRef ?? ''),
        t.spentOn ?? '',
        neutralizeFormula(t.transferId),
        neutralizeFormula(t.distributionId ?? ''),
        t.stream,
        String(t.seq),
        t.hash,
      ]),
    )
    .join('');
}
