/** What the equity report reads besides money: turnout of the cycles closed in a window. Queries only. */
import { sql } from 'kysely';
import type { Queryable } from './database.js';

export interface CommunityTurnout {
  /** effective ballots counted at the close, summed over the community's cycles */
  ballots: number;
  /** voters on the frozen rolls of those cycles, summed */
  census: number;
}

/**
 * Per community: effective ballots and census over its cycles whose `cycle.closed` entry falls in
 * [from, to) (either bound optional).
 */
export async function turnoutByCommunity(db: Queryable, window: { from?: string | undefined; to?: string | undefined }): Promise<Map<string, CommunityTurnout>> {
  const from = window.from === undefined ? sql`` : sql`and e.at::timestamptz >= ${window.from}::timestamptz`;
  const to = window.to === undefined ? sql`` : sql`and e.at::timestamptz < ${window.to}::timestamptz`;
  const rows = await sql<{ community_id: string; ballots: string; census: string }>`
    select y.community_id,
           sum(coalesce((y.outcome->>'ballotsCounted')::bigint, 0)) as ballots,
           sum((select count(*) from cycle_voters v where v.cycle_id = y.id)) as census
      from cycles y
      join ledger_entries e
        on e.stream = 'community:' || y.community_id::text
       and e.type = 'cycle.closed'
       and e.payload->>'cycleId' = y.id::text
     where y.outcome is not null ${from} ${to}
     group by y.community_id`.execute(db);
  return new Map(rows.rows.map((r) => [r.community_id, { ballots: Number(r.ballots), census: Number(r.census) }]));
}
