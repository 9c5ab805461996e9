/** `@ferry/core/cost`: prices and the spend ledger, for reports of your own. */
export { createPriceTable, defaultPrices } from '../cost/price-table.js';
export { createSpendLedger, type PeriodUsage, type SpendLedger } from '../cost/spend-ledger.js';
