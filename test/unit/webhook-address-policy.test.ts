/** Where webhooks may be delivered (src/webhooks/address-policy.ts, target-url.ts) and when a failure is retried (retry-schedule.ts). */
import t from 'tap';
import { classifyAddress, judgeAddress, parseIpv6 } from '../../src/webhooks/address-policy.js';
import { checkTargetUrl } from '../../src/webhooks/target-url.js';
import { retryDelayMs, STANDARD_SCHEDULE_MS } from '../../src/webhooks/retry-schedule.js';

t.test('address classes', async (t) => {
  const table: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['8.8.8.8', 'public'],
    ['2001:db8::5', 'public'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['172.32.0.1', 'public'],
    ['172.15.0.1', 'public'],
    ['192.168.10.10', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a00:1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['ff02::1', 'reserved'],
    ['fe80::1%eth0', 'link-local'],
    ['256.0.0.1', 'not-an-address'],
    ['example.org', 'not-an-address'],
    ['1:2:3:4:5:6:7:8:9', 'not-an-address'],
    ['1::2::3', 'not-an-address'],
  ];
  for (const [address, cls] of table) t.equal(classifyAddress(address), cls, `${address} is ${cls}`);
  t.same(parseIpv6('1:2:3:4:5:6:1.2.3.4'), [1, 2, 3, 4, 5, 6, 0x102, 0x304]);
  t.same(parseIpv6('::1.2.3.4'), [0, 0, 0, 0, 0, 0, 0x102, 0x304]);
});

t.test('loopback and public always; private ranges only when allowed; reserved never', async (t) => {
  for (const [address, byDefault, allowing] of [
    ['127.0.0.1', true, true],
    ['::1', true, true],
    ['93.184.216.34', true, true],
    ['10.1.1.1', false, true],
    ['169.254.1.1', false, true],
    ['fd00::1', false, true],
    ['0.0.0.0', false, true],
    ['239.1.1.1', false, false],
  ] as const) {
    t.equal(judgeAddress(address, false).allowed, byDefault, `${address} by default`);
    t.equal(judgeAddress(address, true).allowed, allowing, `${address} with WEBHOOK_ALLOW_PRIVATE`);
  }
});

t.test('URL syntax', async (t) => {
  t.match(checkTargetUrl('https://hooks.example.org/x?y=1', false), { ok: true, host: 'hooks.example.org', literal: false });
  t.match(checkTargetUrl('http://[::1]:8080/x', false), { ok: true, host: '::1', literal: true });
  t.match(checkTargetUrl('http://2130706433/x', false), { ok: true, host: '127.0.0.1', literal: true }, 'a decimal IPv4 literal is judged as the address it is');
  t.match(checkTargetUrl('http://0x0a000001/x', false), { ok: false, reason: /10\.0\.0\.1 is a private-network address/ });
  t.match(checkTargetUrl('gopher://127.0.0.1/', false), { ok: false, reason: /only http and https/ });
  t.match(checkTargetUrl(`http://127.0.0.1/${'a'.repeat(2048)}`, false), { ok: false, reason: /longer than 2048/ });
  t.match(checkTargetUrl('http://10.0.0.1/', true), { ok: true });
});

t.test('the Standard Webhooks retry schedule, never earlier, jitter up to 20 %', async (t) => {
  t.same(STANDARD_SCHEDULE_MS, [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
  t.equal(retryDelayMs(STANDARD_SCHEDULE_MS, 1, 0), 5_000);
  t.equal(retryDelayMs(STANDARD_SCHEDULE_MS, 1, 0.999999), 6_000);
  t.equal(retryDelayMs(STANDARD_SCHEDULE_MS, 2, 0.5), 330_000);
  t.equal(retryDelayMs(STANDARD_SCHEDULE_MS, 7, 0), 36_000_000);
  t.equal(retryDelayMs(STANDARD_SCHEDULE_MS, 8, 0), undefined, 'after the eighth attempt: failed');
  t.equal(retryDelayMs(STANDARD_SCHEDULE_MS, 0, 0), undefined);
  const total = STANDARD_SCHEDULE_MS.reduce((a, b) => a + b, 0);
  t.ok(total >= 24 * 3_600_000, 'the schedule spans more than 24 hours');
});
