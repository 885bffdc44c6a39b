/** Every service, built once from the same dependencies. */
import { CommunityService } from './communities.js';
import { LedgerService } from './ledger.js';
import { BudgetingService, type CycleFunding } from './budgeting.js';
import type { ServiceDeps } from './context.js';

export interface Services {
  deps: ServiceDeps;
  communities: CommunityService;
  ledger: LedgerService;
  budgeting: BudgetingService;
}

export function createServices(deps: ServiceDeps): Services {
  return {
    deps,
    communities: new CommunityService(deps),
    ledger: new LedgerService(deps),
    budgeting: new BudgetingService(deps, noFunding),
  };
}

/** Placeholder until the funding service is wired in. */
const noFunding: CycleFunding = {
  reserveForCycle: async () => undefined,
  allocateAtTally: async () => undefined,
  returnUnspent: async () => undefined,
};

export { defaultDeps, systemClock, type Clock, type CommandContext, type ServiceDeps } from './context.js';
