import t from 'tap';
import { formatMoney } from '../../src/governance/currency.js';

t.test('amounts read in major units with the ISO 4217 digits of their currency', async (t) => {
  t.equal(formatMoney(150000n, 'EUR'), 'EUR 1,500.00');
  t.equal(formatMoney(5n, 'PLN'), 'PLN 0.05');
  t.equal(formatMoney(-1205n, 'PLN'), 'PLN -12.05');
  t.equal(formatMoney(1500n, 'JPY'), 'JPY 1,500', 'no minor digits');
  t.equal(formatMoney(1500n, 'KWD'), 'KWD 1.500', 'three minor digits');
  t.equal(formatMoney(1234567890123456789n, 'EUR'), 'EUR 12,345,678,901,234,567.89', 'beyond 2^53');
  t.equal(formatMoney(0n, 'USD'), 'USD 0.00');
  t.equal(formatMoney(999n, 'USD'), 'USD 9.99');
  t.equal(formatMoney(100000n, 'USD'), 'USD 1,000.00');
});
