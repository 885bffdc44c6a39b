/**
 * Two database roles (issue 9 item 8): migrations run as the owner of every table; the service runs
 * as a runtime role that owns nothing, so it can never ALTER a table or DISABLE a trigger, and may
 * only INSERT and SELECT the append-only tables. `ledger_grant_runtime(role)` brings one role's
 * privileges to exactly that; the service calls it as the owner after migrating (and
 * `npm run db:roles` does for a fresh install), so tables added by later migrations are covered.
 *
 * Which tables are append-only is read from the schema itself: every table guarded by the
 * `ledger_refuse_change` trigger (ledger_entries, merkle_nodes, checkpoints, and any later one).
 * Grants only ever add what is missing and revokes only remove what is too much, so a process
 * already running as the role never loses a privilege it needs while another one starts.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function ledger_grant_runtime(p_role text) returns integer language plpgsql as $$
    declare
      r record;
      v_schema text := current_schema();
      v_changes integer := 0;
      v_append_only boolean;
    begin
      if not exists (select 1 from pg_roles where rolname = p_role) then
        raise exception 'role % does not exist', p_role using errcode = '42704';
      end if;
      if not has_schema_privilege(p_role, v_schema, 'usage') then
        execute format('grant usage on schema %I to %I', v_schema, p_role);
        v_changes := v_changes + 1;
      end if;
      for r in
        select c.oid, c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = v_schema and c.relkind in ('r', 'p', 'S') order by c.relname
      loop
        if r.relkind = 'S' then
          if not has_sequence_privilege(p_role, r.oid, 'usage') then
            execute format('grant usage, select on sequence %I.%I to %I', v_schema, r.relname, p_role);
            v_changes := v_changes + 1;
          end if;
          continue;
        end if;
        -- The migrator's bookkeeping is the owner's alone.
        if r.relname in ('kysely_migration', 'kysely_migration_lock') then
          if has_table_privilege(p_role, r.oid, 'select, insert, update, delete, truncate, references, trigger') then
            execute format('revoke all on %I.%I from %I', v_schema, r.relname, p_role);
            v_changes := v_changes + 1;
          end if;
          continue;
        end if;
        v_append_only := exists (
          select 1 from pg_trigger t join pg_proc p on p.oid = t.tgfoid
          where t.tgrelid = r.oid and p.proname = 'ledger_refuse_change');
        if not (has_table_privilege(p_role, r.oid, 'select') and has_table_privilege(p_role, r.oid, 'insert')) then
          execute format('grant select, insert on %I.%I to %I', v_schema, r.relname, p_role);
          v_changes := v_changes + 1;
        end if;
        if v_append_only then
          if has_table_privilege(p_role, r.oid, 'update, delete, truncate, references, trigger') then
            execute format('revoke update, delete, truncate, references, trigger on %I.%I from %I', v_schema, r.relname, p_role);
            v_changes := v_changes + 1;
          end if;
        else
          if not (has_table_privilege(p_role, r.oid, 'update') and has_table_privilege(p_role, r.oid, 'delete')) then
            execute format('grant update, delete on %I.%I to %I', v_schema, r.relname, p_role);
            v_changes := v_changes + 1;
          end if;
          if has_table_privilege(p_role, r.oid, 'truncate, references, trigger') then
            execute format('revoke truncate, references, trigger on %I.%I from %I', v_schema, r.relname, p_role);
            v_changes := v_changes + 1;
          end if;
        end if;
      end loop;
      return v_changes;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists ledger_grant_runtime(text)`.execute(db);
}
