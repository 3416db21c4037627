import "./layout.js";
import { swapLiveRegions, whenChanged } from "./live.js";

// The Overview: the range picker's dates only matter for a custom range, and the figures follow
// new clicks and conversions while the page is open.

const form = document.querySelector<HTMLFormElement>("form.filters");
const range = form?.querySelector<HTMLSelectElement>('select[name="range"]');
if (form && range) {
  const dates = [...form.querySelectorAll<HTMLInputElement>('input[type="date"]')];
  const sync = () => {
    for (const d of dates) d.disabled = range.value !== "custom";
  };
  range.addEventListener("change", sync);
  sync();
}

whenChanged(swapLiveRegions);
