/** Money in the web app: major units in the currency's own format, never minor units. */
import t from 'tap';
import { formatMoney, parseMajor } from '../../web/src/format.js';

t.test('formatMoney shows minor units as major units of the currency', async (t) => {
  t.equal(formatMoney('150000', 'EUR'), '€1,500.00');
  t.equal(formatMoney('5', 'EUR'), '€0.05');
  t.equal(formatMoney('0', 'USD'), '$0.00');
  t.equal(formatMoney('1500', 'JPY'), '¥1,500', 'a currency without minor units');
  t.equal(formatMoney('123456789012345678', 'EUR'), '€1,234,567,890,123,456.78', 'exact beyond 2^53');
  t.equal(formatMoney(-2550n, 'EUR'), '-€25.50');
});

t.test('parseMajor reads what people type', async (t) => {
  t.equal(parseMajor('1500', 'EUR'), '150000');
  t.equal(parseMajor('1,500.5', 'EUR'), '150050');
  t.equal(parseMajor(' 300.50 ', 'EUR'), '30050');
  t.equal(parseMajor('1500', 'JPY'), '1500');
  t.equal(parseMajor('1.234', 'EUR'), undefined, 'more decimals than the currency has');
  t.equal(parseMajor('1.5', 'JPY'), undefined);
  t.equal(parseMajor('-5', 'EUR'), undefined);
  t.equal(parseMajor('abc', 'EUR'), undefined);
});
