import "./layout.js";
import { swapLiveRegions, whenChanged } from "./live.js";
import { rangePicker } from "./page.js";

// The Overview: the range picker's dates only matter for a custom range, and the figures follow
// new clicks and conversions while the page is open.

rangePicker();

whenChanged(swapLiveRegions);
