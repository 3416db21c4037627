// The money rules the rest of the server uses, gathered in one import. Each lives in its own file
// with its own table-driven tests in test/domain.
export { commissionFor } from "./commission.js";
export { commissionAfterRefund } from "./refund.js";
export { renewalAllowed } from "./recurring.js";
export { approvesAt, conversionStatusAt } from "./status.js";
export { percentOf } from "./percent.js";
