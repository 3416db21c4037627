import type Stripe from "stripe";

// Read by types.test.ts through the TypeScript compiler: stripe-node's types of the objects the
// sandbox returns, each under the `object` value Stripe gives it.
export type Probe = {
  "checkout.session": Stripe.Checkout.Session;
  customer: Stripe.Customer;
  payment_intent: Stripe.PaymentIntent;
  charge: Stripe.Charge;
  subscription: Stripe.Subscription;
  invoice: Stripe.Invoice;
  invoice_payment: Stripe.InvoicePayment;
  refund: Stripe.Refund;
  price: Stripe.Price;
  event: Stripe.Event;
  coupon: Stripe.Coupon;
  promotion_code: Stripe.PromotionCode;
  discount: Stripe.Discount;
};
