/**
 * The sessions contract (CONVENTIONS "Sessions", issue 12.3) as openapi-fetch path types, for as
 * long as openapi/openapi.json does not describe /v1/session(s) yet. Once it does, `ApiPaths` in
 * client.ts takes them from the generated schema and this file goes.
 */
export interface Membership {
  kind: 'member' | 'funder' | 'auditor';
  id: string;
  communityId: string | null;
  communityName: string | null;
  roles: string[];
}

export interface SessionBody {
  memberships: Membership[];
  csrfToken: string;
}

interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
}

interface NoParams {
  query?: never;
  header?: never;
  path?: never;
  cookie?: never;
}

export interface SessionPaths {
  '/v1/sessions': {
    parameters: NoParams;
    post: {
      parameters: NoParams;
      requestBody: { content: { 'application/json': { code: string } } };
      responses: {
        200: { headers: Record<string, unknown>; content: { 'application/json': SessionBody } };
        400: { headers: Record<string, unknown>; content: { 'application/problem+json': Problem } };
        401: { headers: Record<string, unknown>; content: { 'application/problem+json': Problem } };
      };
    };
  };
  '/v1/session': {
    parameters: NoParams;
    get: {
      parameters: NoParams;
      requestBody?: never;
      responses: {
        200: { headers: Record<string, unknown>; content: { 'application/json': SessionBody } };
        401: { headers: Record<string, unknown>; content: { 'application/problem+json': Problem } };
      };
    };
    delete: {
      parameters: NoParams;
      requestBody?: never;
      responses: { 204: { headers: Record<string, unknown>; content?: never } };
    };
  };
}
