/** Money (SPEC §4): transfers, distributions, balances, statements, money trails, equity reports. */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Readable } from 'node:stream';
import { DISTRIBUTION_FORMULAS, EQUITY_BASES, equityCsv, equitySvg, statementCsvHeader, statementCsvRecords } from '../../funding/index.js';
import type { TransferRecord } from '../../funding/index.js';
import { CurrencySchema, MoneyStringSchema } from '../../governance/cycle.js';
import { runCommand } from '../idempotency.js';
import { ListQuerySchema, pageOf, UuidSchema } from '../schemas.js';
import type { RouteDeps } from '../app.js';
import { CsvFormatQuery, sendCsv, wantsCsv } from '../csv-response.js';

const TransferIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, '1–100 letters, digits or "._:-", e.g. a UUID')
  .describe('yours to choose, unique among your own transfers; ids starting with `service:` are the service\'s own (422 `reserved-transfer-id`)');
const AccountNameSchema = z.string().min(1).max(64);

const TransferSchema = z
  .object({
    transferId: z.string(),
    owner: z.string().describe('who made it: `service` (ids `service:…`), `admin`, `funder:<id>` or `member:<id>`; transfer ids are unique per owner'),
    kind: z.string(),
    from: z.string(),
    to: z.string(),
    amount: z.string(),
    currency: z.string(),
    memo: z.string().nullable(),
    receiptRef: z.string().nullable(),
    spentOn: z.string().nullable(),
    distributionId: z.string().nullable(),
    entry: z.object({ stream: z.string(), seq: z.number().int(), hash: z.string() }),
    at: z.string(),
  })
  .meta({ id: 'Transfer' });

/** A transfer as answered to the one who made it: `replayed` when its id was already recorded. */
const TransferResultSchema = TransferSchema.extend({ replayed: z.boolean() });

function presentTransferResult(r: { transfer: TransferRecord; replayed: boolean }) {
  return { ...presentTransfer(r.transfer), replayed: r.replayed };
}

const PartSchema = z.object({ communityId: z.string(), communityName: z.string(), amount: z.string(), weight: z.string(), exactShare: z.string(), remainderUnit: z.boolean() });

/** A distribution's answer; a preview (`dryRun`) also says what the pool holds and whether it covers the amount. */
const DistributionAnswerSchema = z.object({
  distributionId: z.string(),
  dryRun: z.boolean(),
  replayed: z.boolean(),
  parts: z.array(PartSchema),
  pool: z.object({ balance: z.string(), covers: z.boolean().describe('false: committing this would be refused with 409 `overdraw`') }).optional().describe('previews only'),
});

export function presentTransfer(t: TransferRecord) {
  return {
    transferId: t.transferId,
    owner: t.owner,
    kind: t.kind,
    from: t.from,
    to: t.to,
    amount: t.amountMinor.toString(),
    currency: t.currency,
    memo: t.memo,
    receiptRef: t.receiptRef,
    spentOn: t.spentOn,
    distributionId: t.distributionId,
    entry: { stream: t.stream, seq: t.seq, hash: t.hash },
    at: t.at,
  };
}

/** An RFC 3339 time within years 1970–9999 (what PostgreSQL and people mean by a date here). */
const ReportTime = z.iso.datetime({ offset: true }).refine((v) => {
  const year = Number(v.slice(0, 4));
  return year >= 1970 && year <= 9999 && !Number.isNaN(Date.parse(v));
}, 'a time between 1970 and 9999, e.g. 2026-01-01T00:00:00Z');

/** Transfers read per query while a CSV statement streams. */
const CSV_PAGE = 500;

const EquityQuerySchema = z.object({
  format: z.enum(['json', 'csv']).optional(),
  currency: CurrencySchema.optional().describe('the currency reported on; required when communities use more than one (400 `currency-required` lists them)'),
  include: z.enum(['imported']).optional().describe('`imported`: include communities created by pabulib imports (left out by default)'),
  basis: z.enum(EQUITY_BASES).optional().describe('what Gini, Theil, max/min and "below 80 % of the median" compare: per-learner (default) or needs-weighted per-learner funding'),
  from: ReportTime.optional().describe('only money received, and cycles closed, at or after this time'),
  to: ReportTime.optional().describe('only money received, and cycles closed, before this time'),
  funderId: UuidSchema.optional().describe("only this funder's money: its direct grants plus its pro-rata share of each pool distribution (README: funders' money through the pool)"),
});

const EquitySchema = z
  .object({
    currency: z.string().describe('ISO 4217: every amount is in minor units of it'),
    basis: z.enum(EQUITY_BASES).describe('the figure the indices and the median compare'),
    includesImported: z.boolean(),
    funderId: z.string().nullable().describe("set when `received` is only this funder's money"),
    communities: z.array(
      z.object({
        communityId: z.string(),
        slug: z.string(),
        name: z.string(),
        learners: z.number().int(),
        needsIndex: z.string(),
        received: z.string(),
        perLearner: z.string().nullable(),
        needsWeightedPerLearner: z.string().nullable(),
        imported: z.boolean(),
        ballots: z.number().int().describe('effective ballots over the cycles closed in the window'),
        census: z.number().int().describe('voters on the frozen rolls of those cycles'),
        turnout: z.string().nullable().describe('ballots ÷ census as a decimal with 4 places (half-even), e.g. "0.4667"; null without a closed cycle'),
      }),
    ),
    gini: z.number().nullable(),
    theil: z.number().nullable(),
    maxMinRatio: z.number().nullable(),
    medianPerLearner: z.string().nullable(),
    median: z.string().nullable().describe('median of the basis, minor units with 2 decimals'),
    belowEightyPercentOfMedian: z.array(z.string()),
    shareBelowEightyPercentOfMedian: z.number().nullable(),
  })
  .meta({ id: 'EquityReport' });

export const fundingRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  const funding = services.funding;

  app.post('/v1/transfers', {
    schema: {
      tags: ['funding'],
      summary: 'Move money: a grant (funder, from its own external account), spending or a return (steward), refunds (admin)',
      description:
        'A community\'s accounts hold only its currency (another: 409 `currency-mismatch`, nothing written); `pool` and `external:*` keep one balance per currency, so `to: "pool"` is the pool of the transfer\'s currency.',
      body: z
        .object({ transferId: TransferIdSchema, from: AccountNameSchema, to: AccountNameSchema, amount: MoneyStringSchema, currency: CurrencySchema, memo: z.string().max(500).optional() })
        .strict(),
      response: { 201: TransferResultSchema },
      problems: { 404: '`account-not-found`: an account names a funder, community, cycle or proposal that does not exist' },
    },
    handler: (request, reply) =>
      runCommand(
        services.idempotency,
        request,
        reply,
        201,
        (ctx) =>
          funding.manualTransfer(ctx, {
            transferId: request.body.transferId,
            from: request.body.from,
            to: request.body.to,
            amountMinor: BigInt(request.body.amount),
            currency: request.body.currency,
            memo: request.body.memo ?? null,
          }),
        presentTransferResult,
      ),
  });

  app.post('/v1/distributions', {
    schema: {
      tags: ['funding'],
      summary: "Distribute money from the pool of its currency to that currency's communities by a formula; dryRun previews every part",
      body: z
        .object({
          distributionId: TransferIdSchema,
          amount: MoneyStringSchema,
          currency: CurrencySchema,
          formula: z.enum(DISTRIBUTION_FORMULAS),
          base: MoneyStringSchema.optional().describe('base-plus-per-learner: what each community gets first'),
          communities: z.array(UuidSchema).min(1).max(10_000).optional().describe("default: every community in the distribution's currency not created by a pabulib import (409 `currency-mismatch` or `community-imported` for others)"),
          dryRun: z.boolean().optional(),
        })
        .strict(),
      response: { 200: DistributionAnswerSchema, 201: DistributionAnswerSchema },
      problems: { 404: '`community-not-found`: a community in `communities` does not exist' },
    },
    handler: (request, reply) => {
      const body = request.body;
      return runCommand(
        services.idempotency,
        request,
        reply,
        body.dryRun === true ? 200 : 201,
        (ctx) =>
          funding.distribute(ctx, {
            distributionId: body.distributionId,
            amountMinor: BigInt(body.amount),
            currency: body.currency,
            formula: body.formula,
            baseMinor: body.base === undefined ? undefined : BigInt(body.base),
            communityIds: body.communities,
            dryRun: body.dryRun,
          }),
        (r) => ({
          distributionId: body.distributionId,
          dryRun: r.dryRun,
          replayed: r.replayed,
          parts: r.parts.map((p) => ({ communityId: p.communityId, communityName: p.communityName, amount: p.amountMinor.toString(), weight: p.weight, exactShare: p.exactShare, remainderUnit: p.remainderUnit })),
          ...(r.pool === undefined ? {} : { pool: { balance: r.pool.balanceMinor.toString(), covers: r.pool.covers } }),
        }),
      );
    },
  });

  app.get('/v1/accounts/:account', {
    schema: {
      tags: ['funding'],
      summary: "An account's balance",
      params: z.object({ account: AccountNameSchema }),
      querystring: z.object({
        currency: CurrencySchema.optional().describe("the balance in this currency; default: a community's own currency, or a network account's only (else the network currency's)"),
      }),
      problems: { 422: '`invalid-account`: not an account name (`pool`, `external:<funderId>`, `community:<id>`, `cycle:<id>`, `proposal:<id>`, `spent:<proposalId>`)' },
      response: {
        200: z.object({
          account: z.string(),
          balance: z.string(),
          currency: z.string().nullable(),
          balances: z.array(z.object({ currency: z.string(), balance: z.string() })).describe('every currency the account holds (the pool and external accounts keep one balance per currency)'),
        }),
      },
    },
    handler: async (request) => {
      const b = await funding.balance(request.params.account, request.query.currency);
      return { account: b.account, balance: b.balanceMinor.toString(), currency: b.currency, balances: b.balances.map((x) => ({ currency: x.currency, balance: x.balanceMinor.toString() })) };
    },
  });

  app.get('/v1/communities/:communityId/balances', {
    schema: {
      tags: ['funding'],
      summary: "Every account of a community (its own, its cycles', its proposals')",
      params: z.object({ communityId: UuidSchema }),
      response: { 200: z.object({ accounts: z.array(z.object({ account: z.string(), balance: z.string(), currency: z.string().nullable() })) }) },
    },
    handler: async (request) => ({
      accounts: (await funding.communityBalances(request.params.communityId)).map((a) => ({ account: a.account, balance: a.balanceMinor.toString(), currency: a.currency })),
    }),
  });

  app.get('/v1/communities/:communityId/statement', {
    schema: {
      tags: ['funding'],
      summary: "A community's statement: every transfer touching its accounts, oldest first (JSON pages or CSV)",
      params: z.object({ communityId: UuidSchema }),
      querystring: ListQuerySchema.extend(CsvFormatQuery.shape),
      response: {
        200: {
          description: 'A page of transfers as JSON; or, with `?format=csv` (or `Accept: text/csv`), the whole statement from `cursor` on as one CSV (`limit` does not apply)',
          content: {
            'application/json': { schema: pageOf(TransferSchema) },
            'text/csv': { schema: z.string().describe('one record per transfer: `amount` in integer minor units, `amountReadable` as a person reads it (`EUR 1,500.00`); free text neutralized against formula injection') },
          },
        },
      },
    },
    handler: async (request, reply) => {
      const { communityId } = request.params;
      if (wantsCsv(request.query.format, request.headers.accept)) {
        const first = await funding.statement(communityId, CSV_PAGE, request.query.cursor); // a 404 is answered before any CSV
        async function* pages() {
          yield statementCsvHeader();
          for (let page = first; ; page = await funding.statement(communityId, CSV_PAGE, page.nextCursor)) {
            yield statementCsvRecords(page.items);
            if (page.nextCursor === null) return;
          }
        }
        return sendCsv(reply, `statement-${communityId}.csv`, Readable.from(pages()));
      }
      const page = await funding.statement(communityId, request.query.limit, request.query.cursor);
      return { items: page.items.map(presentTransfer), nextCursor: page.nextCursor };
    },
  });

  app.post('/v1/proposals/:proposalId/spending', {
    schema: {
      tags: ['funding'],
      summary: 'Record spending on a funded proposal with its receipt (steward); never more than allocated',
      params: z.object({ proposalId: UuidSchema }),
      body: z
        .object({
          transferId: TransferIdSchema,
          amount: MoneyStringSchema,
          receiptRef: z.string().trim().min(1).max(200),
          spentOn: z.iso.date().describe('the date on the receipt, YYYY-MM-DD; not in the future (422 `spent-on-in-future`)'),
          memo: z.string().max(500).optional(),
        })
        .strict(),
      response: { 201: TransferResultSchema },
    },
    handler: (request, reply) =>
      runCommand(
        services.idempotency,
        request,
        reply,
        201,
        (ctx) =>
          funding.recordSpending(ctx, request.params.proposalId, {
            transferId: request.body.transferId,
            amountMinor: BigInt(request.body.amount),
            receiptRef: request.body.receiptRef,
            spentOn: request.body.spentOn,
            memo: request.body.memo,
          }),
        presentTransferResult,
      ),
  });

  app.get('/v1/proposals/:proposalId/money-trail', {
    schema: {
      tags: ['funding'],
      summary: "A proposal's money trail: what reached the community, the cycle's reservation, the allocation, every payment",
      params: z.object({ proposalId: UuidSchema }),
      response: {
        200: z.object({
          proposalId: z.string(),
          allocated: z.string(),
          spent: z.string(),
          returned: z.string(),
          remaining: z.string(),
          sources: z.array(TransferSchema),
          reservation: z.array(TransferSchema),
          allocation: z.array(TransferSchema),
          spending: z.array(TransferSchema),
        }),
      },
    },
    handler: async (request) => {
      const trail = await funding.moneyTrail(request.params.proposalId);
      return {
        proposalId: trail.proposal.id,
        allocated: trail.allocated.toString(),
        spent: trail.spent.toString(),
        returned: trail.returned.toString(),
        remaining: trail.remaining.toString(),
        sources: trail.sources.map(presentTransfer),
        reservation: trail.reservation.map(presentTransfer),
        allocation: trail.allocation.map(presentTransfer),
        spending: trail.spending.map(presentTransfer),
      };
    },
  });

  app.get('/v1/reports/equity', {
    schema: {
      tags: ['funding'],
      summary: 'Equity across communities: per-learner funding, Gini, Theil, max/min, below 80 % of the median (JSON or CSV)',
      querystring: EquityQuerySchema,
      response: {
        200: {
          description: 'The report as JSON, or as CSV with `?format=csv` (or `Accept: text/csv`)',
          content: { 'application/json': { schema: EquitySchema }, 'text/csv': { schema: z.string().describe('one row per community, then the summary figures') } },
        },
      },
    },
    handler: async (request, reply) => {
      const report = await funding.equity(request.query);
      if (wantsCsv(request.query.format, request.headers.accept)) return sendCsv(reply, 'equity.csv', equityCsv(report));
      return report;
    },
  });

  app.get('/v1/reports/equity.svg', {
    schema: { tags: ['funding'], summary: 'Equity as a picture: Lorenz curve and per-community bars', querystring: EquityQuerySchema.omit({ format: true }), produces: ['image/svg+xml'] },
    handler: async (request, reply) => {
      const report = await funding.equity(request.query);
      return reply.type('image/svg+xml; charset=utf-8').send(equitySvg(report));
    },
  });
};
