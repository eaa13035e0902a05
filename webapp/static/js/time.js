// Times are rendered in UTC by the server; show them in the reader's own time zone.
const formatter = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : formatter.format(date);
}

export function localizeTimes(root = document) {
  for (const el of root.querySelectorAll("time[data-local-time]")) {
    const text = formatTime(el.getAttribute("datetime"));
    if (text) {
      el.title = el.textContent.trim();
      el.textContent = text;
    }
  }
}
