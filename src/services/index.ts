/** Every service, built once from the same dependencies. */
import { CommunityService } from './communities.js';
import { AccessService } from './access.js';
import { IdempotencyService } from './idempotency.js';
import { LedgerService } from './ledger.js';
import { CycleService } from './cycles.js';
import { ProposalService } from './proposals.js';
import { BallotService } from './ballots.js';
import { FundingService } from './funding.js';
import { MerkleService } from './merkle.js';
import { PabulibService } from './pabulib.js';
import { AnchoringService, type AnchorTarget } from './anchoring.js';
import { CheckpointService, type CheckpointOptions } from './checkpoints.js';
import { SessionService } from './sessions.js';
import { IdentityService } from './identity.js';
import type { ServiceDeps } from './context.js';
import { noteSignerFromSeed } from '../anchoring/index.js';
import { SecretBox } from './secret-box.js';
import { WebhookService, type WebhookOptions } from './webhooks.js';
import { ElectionKeeper } from './election.js';
import { TrusteeService } from './trustees.js';
import { PaperBallotService } from './paper-ballots.js';

export interface Services {
  deps: ServiceDeps;
  secretBox: SecretBox;
  access: AccessService;
  idempotency: IdempotencyService;
  communities: CommunityService;
  ledger: LedgerService;
  cycles: CycleService;
  proposals: ProposalService;
  ballots: BallotService;
  funding: FundingService;
  merkle: MerkleService;
  checkpoints: CheckpointService;
  pabulib: PabulibService;
  anchoring: AnchoringService;
  sessions: SessionService;
  trustees: TrusteeService;
  paperBallots: PaperBallotService;
  identity: IdentityService;
  webhooks: WebhookService;
}

export type ServiceOptions = Omit<CheckpointOptions, 'onCreated'> & {
  /** EIP-712 domain chain id of signed ballots */
  ballotChainId: number;
  /** encrypts the secrets the service keeps (webhook secrets, election keys) */
  secretBox: SecretBox;
  /** where checkpoints are anchored; unset: anchoring is off */
  anchor?: AnchorTarget | undefined;
  /** NETWORK_CURRENCY: the currency of communities created without one (default EUR) */
  networkCurrency?: string | undefined;
  /** hours an idempotency record is kept (IDEMPOTENCY_TTL_HOURS); unset: 24 */
  idempotencyTtlHours?: number | undefined;
  /** webhook delivery: private targets, retry schedule, timeout */
  webhooks?: WebhookOptions | undefined;
};

/**
 * Options for a ledger origin (the checkpoint origin line and signing key name) and an Ed25519 seed;
 * secrets are sealed under `sealingKeyHex`, or under a key derived from the seed when it is unset.
 */
export function serviceOptions(origin: string, signingSeedHex: string, ballotChainId = 1, sealingKeyHex?: string): ServiceOptions {
  const secretBox = sealingKeyHex === undefined ? SecretBox.derivedFromSigningSeed(signingSeedHex) : SecretBox.fromKey(sealingKeyHex);
  return { origin, signer: noteSignerFromSeed(signingSeedHex, origin), ballotChainId, secretBox };
}

export function createServices(deps: ServiceDeps, options: ServiceOptions): Services {
  const funding = new FundingService(deps, options.networkCurrency);
  const merkle = new MerkleService(deps);
  const communities = new CommunityService(deps, options.networkCurrency);
  const webhooks = new WebhookService(deps, options.secretBox, options.webhooks);
  const anchoring = new AnchoringService(deps, options.anchor, (trx, record) => webhooks.announceAnchorConfirmed(trx, record));
  const election = new ElectionKeeper(deps, options.secretBox);
  const cycles = new CycleService(deps, funding, election);
  const ballots = new BallotService(deps, options.ballotChainId, election);
  const sessions = new SessionService(deps);
  return {
    deps,
    secretBox: options.secretBox,
    access: new AccessService(deps),
    idempotency: new IdempotencyService(deps, options.idempotencyTtlHours),
    communities,
    ledger: new LedgerService(deps, options.signer.verifierKey),
    cycles,
    proposals: new ProposalService(deps, funding),
    ballots,
    funding,
    merkle,
    checkpoints: new CheckpointService(deps, merkle, { ...options, onCreated: async (trx, checkpoint) => {
        await anchoring.enqueue(trx, checkpoint);
        await webhooks.announceCheckpoint(trx, checkpoint);
      } }),
    pabulib: new PabulibService(deps, communities, funding, cycles, ballots),
    anchoring,
    sessions,
    identity: new IdentityService(deps, sessions),
    webhooks,
    trustees: new TrusteeService(deps, options.secretBox, cycles),
    paperBallots: new PaperBallotService(deps),
  };
}

export { defaultDeps, systemClock, type Clock, type CommandContext, type ServiceDeps } from './context.js';
