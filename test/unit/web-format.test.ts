/** Money in the web app: major units in the currency's own format and the reader's locale, never minor units. */
import t from 'tap';
import { formatMoney, parseMajor, readerLocale } from '../../web/src/format.js';

t.test('formatMoney shows minor units as major units of the currency', async (t) => {
  t.equal(formatMoney('150000', 'EUR', 'en'), '€1,500.00');
  t.equal(formatMoney('5', 'EUR', 'en'), '€0.05');
  t.equal(formatMoney('0', 'USD', 'en'), '$0.00');
  t.equal(formatMoney('1500', 'JPY', 'en'), '¥1,500', 'a currency without minor units');
  t.equal(formatMoney('1500', 'KWD', 'en'), 'KWD\u00a01.500', 'three minor digits');
  t.equal(formatMoney('123456789012345678', 'EUR', 'en'), '€1,234,567,890,123,456.78', 'exact beyond 2^53');
  t.equal(formatMoney(-2550n, 'EUR', 'en'), '-€25.50');
});

t.test("formatMoney follows the reader's locale", async (t) => {
  t.equal(formatMoney('150000', 'EUR', 'de-DE'), '1.500,00\u00a0€');
  t.equal(formatMoney('150000', 'PLN', 'pl-PL'), '1500,00\u00a0zł', 'Polish groups only from five digits');
  t.equal(formatMoney('12345605', 'PLN', 'pl-PL'), '123\u00a0456,05\u00a0zł');
  t.equal(formatMoney('1500', 'JPY', 'ja-JP'), '￥1,500');
  t.equal(formatMoney('-2550', 'EUR', 'de-DE'), '-25,50\u00a0€');
  t.equal(formatMoney('150000', 'EUR'), formatMoney('150000', 'EUR', readerLocale()), "without a locale: the reader's");
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

t.test("parseMajor reads the reader's separators", async (t) => {
  t.equal(parseMajor('1.500,5', 'EUR', 'de-DE'), '150050');
  t.equal(parseMajor('1.500', 'EUR', 'de-DE'), '150000', 'a German group separator');
  t.equal(parseMajor('12.5', 'EUR', 'de-DE'), '1250', 'a dot that cannot group is the decimal point');
  t.equal(parseMajor('1\u00a0500,25', 'PLN', 'pl-PL'), '150025');
  t.equal(parseMajor('1,500', 'KWD', 'en'), '1500000');
  t.equal(parseMajor('1.5', 'KWD', 'en'), '1500');
  t.equal(parseMajor('1,5', 'EUR', 'en'), undefined, 'a comma that cannot group is refused, not misread');
  t.equal(parseMajor('1.2.3', 'EUR', 'de-DE'), undefined);
});
