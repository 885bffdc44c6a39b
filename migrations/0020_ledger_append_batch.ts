/**
 * `ledger_append_batch`: a group-commit batch's entries (issue 15.1), sealed by the service after the
 * head it expects, inserted and the head moved in ONE statement. The function locks the head row and
 * raises SQLSTATE AGL01 (`stale head`) unless the head is exactly the one the entries were sealed
 * after, so a batch sealed against a head another process has moved since can never be stored: the
 * statement fails and the service runs the batch again under the head lock. Checked here too
 * (AGL02): the entries are exactly the seqs after that head, the first links to it and the last is
 * the new head. PostgreSQL 15 features only.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function ledger_append_batch(p_stream text, p_from_size bigint, p_from_hash text, p_to_size bigint, p_to_hash text, p_entries jsonb)
    returns void
    language plpgsql
    -- a safety net: no batch waits for the head row forever (the committer never lets one wait on itself)
    set lock_timeout = '30s'
    as $$
    declare
      v_size bigint;
      v_head text;
      v_count bigint;
      v_within bigint;
      v_linked boolean;
    begin
      select s.size, s.head_hash into v_size, v_head from ledger_streams s where s.stream = p_stream for update;
      if not found or v_size <> p_from_size or v_head <> p_from_hash then
        raise exception 'stale head: % was sealed after % entries ending in %, the stream holds % ending in %',
          p_stream, p_from_size, p_from_hash, coalesce(v_size::text, 'no head row'), coalesce(v_head, '-')
          using errcode = 'AGL01';
      end if;
      select count(*), count(*) filter (where e.seq between p_from_size + 1 and p_to_size),
             coalesce(bool_or(e.seq = p_from_size + 1 and e.prev_hash = p_from_hash), false)
             and coalesce(bool_or(e.seq = p_to_size and e.hash = p_to_hash), false)
        into v_count, v_within, v_linked
        from jsonb_to_recordset(p_entries) as e(seq bigint, prev_hash text, hash text);
      -- with (stream, seq) unique, these make the entries exactly seqs from+1..to, linked at both ends
      if v_count <> p_to_size - p_from_size or v_within <> v_count or not v_linked then
        raise exception 'batch for % does not continue its head: % entries for seqs % to %', p_stream, v_count, p_from_size + 1, p_to_size
          using errcode = 'AGL02';
      end if;
      insert into ledger_entries (stream, seq, type, at, actor, payload, prev_hash, hash, body)
        select p_stream, e.seq, e.type, e.at, e.actor, e.payload, e.prev_hash, e.hash, e.body
        from jsonb_to_recordset(p_entries) as e(seq bigint, type text, at text, actor text, payload jsonb, prev_hash text, hash text, body text);
      update ledger_streams s set size = p_to_size, head_hash = p_to_hash where s.stream = p_stream;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists ledger_append_batch(text, bigint, text, bigint, text, jsonb)`.execute(db);
}
