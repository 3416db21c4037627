// Icodrip's browser snippet: keeps an affiliate referral in a first-party cookie and hands it to
// Stripe's no-code checkouts. Install:
//
//   <script async src="https://ICODRIP/snippet.js" data-program="PROGRAM_KEY"></script>
//
// Optional attributes: data-domain="example.com" shares the referral across subdomains;
// data-api="https://icodrip.example" names Icodrip's origin when this file is self-hosted.
//
// The script is async, so code that may run before it has loaded puts this stub first; the
// callbacks it queues are called once the referral is known:
//
//   window.icodrip=window.icodrip||{q:[],ready:function(c){this.q.push(c)}};
//   icodrip.ready(function (clickId) { … });
//   icodrip.ready(function () { icodrip.lead(email); });   // lead() itself exists once loaded

import { readConfig } from "./config.js";
import { safe } from "./safe.js";
import { tracker, type Callback, type Icodrip } from "./tracker.js";

type Stub = Partial<Icodrip> & { q?: Callback[] };

// The window comes in as the one argument every safe() function takes.
safe((host: { icodrip?: Stub }) => {
  const stub = host.icodrip;
  // Included twice: the first copy already tracks this page, and a second click would be noise.
  if (stub?.lead) return;
  const icodrip = tracker(readConfig());
  host.icodrip = icodrip;
  stub?.q?.forEach(icodrip.ready);
})(window as unknown as { icodrip?: Stub });
