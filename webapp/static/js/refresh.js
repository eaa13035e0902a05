// Home, History and Trackers: the regions marked data-refresh are fetched again quietly (same
// URL, same server-rendered HTML), so runs started elsewhere or by a tracker show up without a
// reload. Often while something is queued or running, rarely otherwise; never while the page is
// hidden or a person is using a form.
import { localizeTimes } from "./time.js";

const BUSY_MS = 5000;
const IDLE_MS = 30000;
const lastHtml = new WeakMap(); // the server's HTML of each region, before times were localised
const regions = () => [...document.querySelectorAll("[data-refresh][id]")];

const busy = () => regions().some((r) => r.querySelector(".status--queued, .status--running"));

function schedule() {
  window.setTimeout(refresh, busy() ? BUSY_MS : IDLE_MS);
}

function personIsTyping() {
  const active = document.activeElement;
  return Boolean(active && active.closest("form") && active.matches("input, select, textarea"));
}

async function refresh() {
  if (document.hidden || personIsTyping()) return schedule();
  try {
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
    if (response.ok) {
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const region of regions()) {
        const next = fresh.getElementById(region.id);
        // Our own page, rendered with autoescaping: the same HTML the first load showed.
        if (next && next.innerHTML !== (lastHtml.get(region) ?? region.innerHTML)) {
          region.innerHTML = next.innerHTML;
          lastHtml.set(region, next.innerHTML);
          region.dataset.refreshedAt = String(Date.now());
        }
      }
      localizeTimes();
    }
  } catch {
    // Offline for a moment: try again later.
  }
  schedule();
}

if (regions().length) schedule();
