/** Every migration, in order. Static imports so the same list runs from source and from dist/. */
import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_budgeting.js';
import * as m0003 from './0003_funding.js';
import * as m0004 from './0004_verifiability.js';
import * as m0005 from './0005_signed_ballots.js';
import * as m0008 from './0008_database_roles.js';
import * as m0012 from './0012_sessions.js';
import * as m0013 from './0013_transfer_owner.js';
import * as m0014 from './0014_currencies.js';
import * as m0015 from './0015_identity.js';
import * as m0018 from './0018_webhooks.js';
import * as m0017 from './0017_governance_lifecycle.js';
import * as m0016 from './0016_sealed_ballots.js';
import * as m0019 from './0019_points_as_strings.js';
import * as m0020 from './0020_ledger_append_batch.js';

export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_budgeting': m0002,
  '0003_funding': m0003,
  '0004_verifiability': m0004,
  '0005_signed_ballots': m0005,
  '0008_database_roles': m0008,
  '0012_sessions': m0012,
  '0013_transfer_owner': m0013,
  '0014_currencies': m0014,
  '0015_identity': m0015,
  '0018_webhooks': m0018,
  '0017_governance_lifecycle': m0017,
  '0016_sealed_ballots': m0016,
  '0019_points_as_strings': m0019,
  '0020_ledger_append_batch': m0020,
};
