/** Every service, built once from the same dependencies. */
import { CommunityService } from './communities.js';
import { LedgerService } from './ledger.js';
import { BudgetingService } from './budgeting.js';
import { FundingService } from './funding.js';
import type { ServiceDeps } from './context.js';

export interface Services {
  deps: ServiceDeps;
  communities: CommunityService;
  ledger: LedgerService;
  budgeting: BudgetingService;
  funding: FundingService;
}

export function createServices(deps: ServiceDeps): Services {
  const funding = new FundingService(deps);
  return {
    deps,
    communities: new CommunityService(deps),
    ledger: new LedgerService(deps),
    budgeting: new BudgetingService(deps, funding),
    funding,
  };
}

export { defaultDeps, systemClock, type Clock, type CommandContext, type ServiceDeps } from './context.js';
