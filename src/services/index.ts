/** Every service, built once from the same dependencies. */
import { CommunityService } from './communities.js';
import { LedgerService } from './ledger.js';
import type { ServiceDeps } from './context.js';

export interface Services {
  deps: ServiceDeps;
  communities: CommunityService;
  ledger: LedgerService;
}

export function createServices(deps: ServiceDeps): Services {
  return {
    deps,
    communities: new CommunityService(deps),
    ledger: new LedgerService(deps),
  };
}

export { defaultDeps, systemClock, type Clock, type CommandContext, type ServiceDeps } from './context.js';
