import "./layout.js";
import { swapLiveRegions, whenChanged } from "./live.js";
import { copyText, element, rangePicker } from "./page.js";

// One affiliate's page: the range picker's dates matter only for a custom range, the figures
// follow new clicks and conversions while the page is open, and Copy puts a link on the clipboard.

rangePicker();

const status = element("copied", HTMLElement);
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
  if (!(button instanceof HTMLElement)) return;
  const link = button.dataset.copy ?? "";
  void copyText(link).then((done) => {
    status.textContent = done ? `Copied ${link}` : "Copying did not work; select the link and copy it by hand.";
  });
});

whenChanged(swapLiveRegions);
