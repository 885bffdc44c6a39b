/**
 * pabulib import (a `.pb` upload of up to 50 MB, streamed into the parser, progress in the logs)
 * and export. The upload route parses its own body: it is never buffered whole by fastify.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DomainError } from '../../domain-error.js';
import { CompletionSchema, RuleNameSchema } from '../../governance/community.js';
import { requestHash, runCommand } from '../idempotency.js';
import { UuidSchema } from '../schemas.js';
import type { RouteDeps } from '../app.js';

export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;

export const pabulibRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { services }) => {
  // In this plugin only: uploads arrive as a stream.
  app.removeContentTypeParser(['text/plain']);
  app.addContentTypeParser(['text/plain', 'application/octet-stream'], (_request, payload, done) => done(null, payload));

  app.post('/v1/imports/pabulib', {
    bodyLimit: MAX_IMPORT_BYTES,
    schema: {
      tags: ['budgeting'],
      summary: 'Import a pabulib .pb file as a new community with a closed cycle, every vote a ballot entry (admin)',
      description: 'Body: the .pb file as text/plain (UTF-8, up to 50 MB).',
      consumes: ['text/plain'],
      querystring: z.object({ rule: RuleNameSchema, completion: CompletionSchema.optional() }),
      response: {
        201: z.object({ communityId: z.uuid(), cycleId: z.uuid(), projects: z.record(z.string(), z.uuid()), ballots: z.number().int(), selected: z.array(z.string()) }),
      },
    },
    handler: async (request, reply) => {
      const body = request.body;
      if (!(body instanceof Readable)) throw new DomainError('unsupported-media-type', 'send the .pb file as text/plain');
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > MAX_IMPORT_BYTES) throw new DomainError('body-too-large', `the file is ${declared} bytes; the limit is ${MAX_IMPORT_BYTES}`);
      const digest = createHash('sha256');
      const hashed = body.pipe(new Transform({ transform: (chunk: Buffer, _enc, next) => next(null, (digest.update(chunk), chunk)) }));
      body.on('error', (err) => hashed.destroy(err));
      let fileHash: string | undefined;
      const claim = request.idempotency;
      if (claim !== undefined) {
        claim.requestHash = () => requestHash(request.method, request.url, (fileHash ??= digest.digest('hex')));
      }
      const log = request.log;
      let lastLogged = 0;
      const started = Date.now();
      return runCommand(
        services.idempotency,
        request,
        reply,
        201,
        (ctx) =>
          services.pabulib.import(ctx, hashed, {
            rule: request.query.rule,
            completion: request.query.completion,
            maxBytes: MAX_IMPORT_BYTES,
            onProgress: (p) => {
              const now = Date.now();
              if (now - lastLogged < 1000 && p.done !== p.total) return;
              lastLogged = now;
              log.info({ stage: p.stage, done: p.done, total: p.total, seconds: (now - started) / 1000 }, 'pabulib import progress');
            },
          }),
        (r) => r,
      );
    },
  });

  app.get('/v1/cycles/:cycleId/export.pb', {
    schema: {
      tags: ['budgeting'],
      summary: 'The cycle as a pabulib .pb file (auditor, admin); re-importing it gives the same outcome',
      params: z.object({ cycleId: UuidSchema }),
      produces: ['text/plain'],
      problems: { 409: '`phase-closed`: the cycle has not opened voting yet; `voting-open`: its ballots are sealed until it closes' },
    },
    handler: async (request, reply) => {
      const { fileName, chunks } = await services.pabulib.export(request.params.cycleId);
      void reply.type('text/plain; charset=utf-8').header('content-disposition', `attachment; filename="${fileName}"`);
      return reply.send(Readable.from(chunks));
    },
  });
};
