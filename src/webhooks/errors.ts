/** Codes of webhook subscriptions, for src/domain-error.ts (their HTTP statuses are in src/http/problem.ts). */
export type WebhookCode =
  /** no webhook with this id that the caller may see */
  | 'webhook-not-found'
  /** the URL is not http(s), or names (or resolves to) an address the configuration refuses */
  | 'webhook-url-refused'
  /** a given secret is not `whsec_` + base64 of 24 to 64 bytes */
  | 'invalid-webhook-secret';
