/** What an idempotency record stores: never a token, an invitation URL or a field a route names secret. */
import t from 'tap';
import { storableRequestBody, storableResponse } from '../../src/http/idempotency.js';
import { canonicalJson } from '../../src/ledger/canonical-json.js';
import { sha256Hex } from '../../src/ledger/hash.js';

t.test('a response loses its token and invitation and says a token was issued', async (t) => {
  t.same(storableResponse({ id: 'x', name: 'N', token: 'agl_secret', inviteUrl: '/join#code' }), { id: 'x', name: 'N', tokenIssued: true });
  t.same(storableResponse({ token: 'agl_secret' }), { tokenIssued: true }, 'a rotation');
  t.same(storableResponse({ id: 'x', name: 'N' }), { id: 'x', name: 'N' }, 'an answer without secrets is stored as it is');
  t.same(storableResponse([{ token: 'not top-level' }]), [{ token: 'not top-level' }], 'only top-level fields of an object are secrets');
  t.equal(storableResponse(null), null);
});

t.test('a request keeps only the hash of the fields its route names secret', async (t) => {
  const body = { share: 'the-decrypted-share', cycle: 'c' };
  t.same(storableRequestBody(body, ['share']), { share: `sha256:${sha256Hex(canonicalJson('the-decrypted-share'))}`, cycle: 'c' });
  t.same(storableRequestBody(body, []), body, 'no secret fields: the body as sent');
  t.notOk(JSON.stringify(storableRequestBody(body, ['share'])).includes('the-decrypted-share'));
});
