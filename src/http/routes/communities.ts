/** Communities, members, funders and network auditors (SPEC §1, §3). */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AddMemberSchema, CommunitySettingsSchema, CreateCommunitySchema, SetRolesSchema, type Community, type Member } from '../../governance/community.js';
import type { Principal } from '../../governance/principal.js';
import { communityStream } from '../../ledger/entry.js';
import { runCommand } from '../idempotency.js';
import { ListQuerySchema, pageOf, UuidSchema } from '../schemas.js';
import type { RouteDeps } from '../app.js';

const CommunitySchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    learners: z.number().int(),
    needsIndex: z.string(),
    governance: z.object({ ballotType: z.string(), rule: z.string(), quorum: z.number().int() }),
    requireSignedBallots: z.boolean(),
    currency: z.string().describe('ISO 4217: the one currency of its accounts and cycles, fixed at creation'),
    imported: z.boolean().describe('created by a pabulib import'),
    stream: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Community' });

export const MemberSchema = z
  .object({
    id: z.uuid(),
    communityId: z.uuid(),
    name: z.string(),
    roles: z.array(z.string()),
    address: z.string().nullable().describe('the proved signing address; shown only to auditors and to the member themself (null for everyone else)'),
    createdAt: z.string(),
    deactivatedAt: z.string().nullable().describe('when a steward or the admin deactivated the member; null while active'),
  })
  .meta({ id: 'Member' });

/** Where the person signs in once: the one-time code travels in the fragment, never to a server log. */
const InviteUrlSchema = z
  .string()
  .regex(/^\/join#[A-Za-z0-9_-]{43}$/)
  .optional()
  .describe('`/join#<code>`: opening it signs this person in (one time, within 14 days); give it to them, not the token. Absent in a replay (see tokenIssued)');

/** Tokens are shown once: a replayed creation (same Idempotency-Key) answers without them. */
const IssuedSecrets = {
  token: z.string().optional().describe('the bearer token, shown only in the first answer; absent in a replay'),
  inviteUrl: InviteUrlSchema,
  tokenIssued: z.literal(true).optional().describe('present in a replayed answer (Idempotency-Key): a token and invitation were issued by the first answer and are not stored, so not shown again'),
};

const NameBodySchema = z.object({ name: z.string().trim().min(1).max(200) }).strict();

export function presentCommunity(c: Community) {
  return {
    id: c.id,
    slug: c.slug,
    name: c.name,
    learners: c.learners,
    needsIndex: c.needsIndex,
    governance: c.governance,
    requireSignedBallots: c.requireSignedBallots,
    currency: c.currency,
    imported: c.imported,
    stream: communityStream(c.id),
    createdAt: c.createdAt,
  };
}

/** Who may read a member's address: auditors (network, or of that community) and the member themself. */
function seesAddress(viewer: Principal, m: Member): boolean {
  if (viewer.kind === 'auditor') return true;
  return viewer.kind === 'member' && (viewer.memberId === m.id || (viewer.communityId === m.communityId && viewer.roles.has('auditor')));
}

export function presentMember(m: Member, viewer: Principal) {
  return { id: m.id, communityId: m.communityId, name: m.name, roles: m.roles, address: seesAddress(viewer, m) ? m.address : null, createdAt: m.createdAt, deactivatedAt: m.deactivatedAt };
}

export const communityRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  const CommunityParams = z.object({ communityId: UuidSchema });

  app.post('/v1/communities', {
    schema: { tags: ['communities'], summary: 'Create a community (admin)', body: CreateCommunitySchema, response: { 201: CommunitySchema } },
    handler: (request, reply) =>
      runCommand(services.idempotency, request, reply, 201, (ctx) => services.communities.create(ctx, request.body), presentCommunity),
  });

  app.get('/v1/communities', {
    schema: { tags: ['communities'], summary: 'List communities', querystring: ListQuerySchema, response: { 200: pageOf(CommunitySchema) } },
    handler: async (request) => {
      const page = await services.communities.list(request.query.limit, request.query.cursor);
      return { items: page.items.map(presentCommunity), nextCursor: page.nextCursor };
    },
  });

  app.get('/v1/communities/:communityId', {
    schema: { tags: ['communities'], summary: 'Read a community', params: CommunityParams, response: { 200: CommunitySchema } },
    handler: async (request) => presentCommunity(await services.communities.get(request.params.communityId)),
  });

  app.post('/v1/communities/:communityId/members', {
    schema: {
      tags: ['communities'],
      summary: 'Add a member (admin or this community’s steward); the token and the invitation are shown only here',
      params: CommunityParams,
      body: AddMemberSchema,
      response: { 201: MemberSchema.extend(IssuedSecrets) },
    },
    handler: (request, reply) =>
      runCommand(
        services.idempotency,
        request,
        reply,
        201,
        (ctx) => services.communities.addMember(ctx, request.params.communityId, request.body),
        (r) => ({ ...presentMember(r.member, request.principal), token: r.token, inviteUrl: r.inviteUrl }),
      ),
  });

  app.get('/v1/communities/:communityId/members', {
    schema: { tags: ['communities'], summary: 'List members', params: CommunityParams, querystring: ListQuerySchema, response: { 200: pageOf(MemberSchema) } },
    handler: async (request) => {
      await services.communities.get(request.params.communityId);
      const page = await services.communities.listMembers(request.params.communityId, request.query.limit, request.query.cursor);
      return { items: page.items.map((m) => presentMember(m, request.principal)), nextCursor: page.nextCursor };
    },
  });

  app.put('/v1/communities/:communityId/settings', {
    schema: {
      tags: ['communities'],
      summary: "Change a community's settings, e.g. require signed ballots (steward, admin); applies to cycles whose voting opens afterwards",
      params: CommunityParams,
      body: CommunitySettingsSchema,
      response: { 200: CommunitySchema },
    },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => services.communities.changeSettings(ctx, request.params.communityId, request.body), presentCommunity),
  });

  app.put('/v1/members/:memberId/roles', {
    schema: {
      tags: ['communities'],
      summary: "Set a member's roles (admin: the only way to grant steward or auditor after joining)",
      params: z.object({ memberId: UuidSchema }),
      body: SetRolesSchema,
      response: { 200: MemberSchema },
    },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 200, (ctx) => services.communities.setRoles(ctx, request.params.memberId, request.body.roles), (m) => presentMember(m, request.principal)),
  });

  app.get('/v1/me', {
    schema: {
      tags: ['communities'],
      summary: 'Who this token is',
      operationId: 'readMe',
      response: { 200: z.object({ kind: z.string(), id: z.string().nullable(), communityId: z.string().nullable(), roles: z.array(z.string()) }) },
    },
    handler: async (request) => {
      const p = request.principal;
      switch (p.kind) {
        case 'member':
          return { kind: p.kind, id: p.memberId, communityId: p.communityId, roles: [...p.roles].sort() };
        case 'funder':
          return { kind: p.kind, id: p.funderId, communityId: null, roles: ['funder'] };
        case 'auditor':
          return { kind: p.kind, id: p.auditorId, communityId: null, roles: ['auditor'] };
        default:
          return { kind: p.kind, id: null, communityId: null, roles: [p.kind] };
      }
    },
  });

  app.post('/v1/funders', {
    schema: {
      tags: ['funding'],
      summary: 'Register a funder (admin); the token and the invitation are shown only here',
      body: NameBodySchema,
      response: { 201: z.object({ id: z.uuid(), name: z.string(), account: z.string(), ...IssuedSecrets }) },
    },
    handler: (request, reply) =>
      runCommand(services.idempotency, request, reply, 201, (ctx) => services.communities.registerFunder(ctx, request.body), (f) => ({ ...f, account: `external:${f.id}` })),
  });

  app.post('/v1/auditors', {
    schema: {
      tags: ['ledger'],
      summary: 'Register a network auditor (admin); the token and the invitation are shown only here',
      body: NameBodySchema,
      response: { 201: z.object({ id: z.uuid(), name: z.string(), ...IssuedSecrets }) },
    },
    handler: (request, reply) => runCommand(services.idempotency, request, reply, 201, (ctx) => services.communities.registerAuditor(ctx, request.body), (a) => a),
  });
};
