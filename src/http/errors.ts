/**
 * The one error handler: every error leaves as problem+json. Client mistakes keep their status and
 * a useful detail; anything unexpected is logged in full and answered with a bare 500 whose body
 * never carries the message or a stack.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { isDomainError, type ErrorCode } from '../domain-error.js';
import { pgCode } from '../pg-errors.js';
import { problem } from './problem.js';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid-header',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid-json',
  FST_ERR_VALIDATION: 'validation',
};

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((thrown: unknown, request, reply) => {
    const err = thrown as FastifyError;
    const instance = request.url.split('?')[0];
    if (hasZodFastifySchemaValidationErrors(err)) {
      const errors = err.validation.map((issue) => ({
        in: err.validationContext ?? 'body',
        path: issue.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(root)',
        message: issue.message ?? 'invalid',
      }));
      const first = errors[0];
      const detail = first === undefined ? 'the request is invalid' : `${first.in} ${first.path}: ${first.message}`;
      return sendProblem(reply, problem('validation', detail, { errors, instance }));
    }
    if (isDomainError(thrown)) {
      return sendProblem(reply, problem(thrown.code, thrown.message, { ...(thrown.details ?? {}), instance }));
    }
    if (isResponseSerializationError(err)) {
      request.log.error({ err }, 'response does not match its schema');
      return sendProblem(reply, problem('internal', 'an internal error occurred; it has been logged', { instance }));
    }
    const pg = pgCode(err);
    if (pg !== undefined && /^22/.test(pg)) {
      // A data exception: a value the schema let through (e.g. a date PostgreSQL cannot hold).
      request.log.warn({ err }, 'the database refused a value from the request');
      return sendProblem(reply, problem('invalid-value', 'a value in the request is out of the range this service can store', { instance }));
    }
    if (pg === '23505') {
      request.log.warn({ err }, 'unique constraint violated by a concurrent request');
      return sendProblem(reply, problem('conflict', 'a concurrent request changed the same thing; retry', { instance }));
    }
    const statusCode = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (statusCode >= 400 && statusCode < 500) {
      const code = FASTIFY_CODES[err.code] ?? (statusCode === 429 ? 'rate-limited' : statusCode === 404 ? 'route-not-found' : 'bad-request');
      return sendProblem(reply, problem(code, clientMessage(err), { instance }, statusCode));
    }
    request.log.error({ err }, 'unhandled error');
    return sendProblem(reply, problem('internal', 'an internal error occurred; it has been logged', { instance }));
  });

  app.setNotFoundHandler((request, reply) => {
    return sendProblem(reply, problem('route-not-found', `there is no ${request.method} ${request.url.split('?')[0]}`, { instance: request.url.split('?')[0] }));
  });
}

function clientMessage(err: FastifyError): string {
  // Fastify's own 4xx messages are written for clients and carry no internals.
  return err.message.replace(/^FST_\w+: /, '');
}

export function sendProblem(reply: FastifyReply, body: ReturnType<typeof problem>) {
  return reply.code(body.status).type('application/problem+json; charset=utf-8').send(JSON.stringify(body));
}
