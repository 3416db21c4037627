import type { Response } from "express";
import type { SignedIn } from "../http/session.js";
import { html, sendPage, type Html } from "./html.js";
import { scriptPath, type DashboardScript } from "./assets.js";

// Every dashboard page shares one frame: who is signed in, a sign-out button and the tabs.

export type Tab = "overview" | "conversions" | "programs" | "affiliates" | "payouts" | "clicks" | "webhooks" | "integrations" | "account";

const TABS: { tab: Tab; href: string; label: string }[] = [
  { tab: "overview", href: "/dashboard/overview", label: "Overview" },
  { tab: "conversions", href: "/dashboard/conversions", label: "Conversions" },
  { tab: "programs", href: "/dashboard/programs", label: "Programs" },
  { tab: "affiliates", href: "/dashboard/affiliates", label: "Affiliates" },
  { tab: "payouts", href: "/dashboard/payouts", label: "Payouts" },
  { tab: "clicks", href: "/dashboard/clicks", label: "Clicks" },
  { tab: "webhooks", href: "/dashboard/webhooks", label: "Webhooks" },
  { tab: "integrations", href: "/dashboard/settings/integrations", label: "Settings › Integrations" },
  { tab: "account", href: "/dashboard/settings/account", label: "Settings › Account" },
];

export interface DashboardView {
  title: string;
  tab: Tab;
  signedIn: SignedIn;
  body: Html;
  /** the page's own script (it imports the layout's); the layout's alone when left out */
  script?: Exclude<DashboardScript, "layout">;
}

function frame(v: DashboardView): Html {
  return html`
    <header>
      <p class="muted">${v.signedIn.workspace.name} · ${v.signedIn.member.email} · <button class="secondary small" id="sign-out">Sign out</button></p>
      <nav aria-label="Dashboard">
        <ul class="tabs">
          ${TABS.map((t) => html`<li><a href="${t.href}"${t.tab === v.tab ? html` aria-current="page"` : null}>${t.label}</a></li>`)}
        </ul>
      </nav>
    </header>
    <main>${v.body}</main>`;
}

export function sendDashboard(res: Response, v: DashboardView): void {
  sendPage(res, v.title, frame(v), scriptPath(v.script ?? "layout"));
}
