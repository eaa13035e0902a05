// What the charts share: the sentiment colours (read from the stylesheet) and motion settings.

const LABELS = ["positive", "neutral", "negative"];
export const LABEL_NAMES = { positive: "Positive", neutral: "Neutral", negative: "Negative" };

function cssVar(name, fallback) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

export function colours() {
  return {
    positive: cssVar("--positive", "#168a4a"),
    neutral: "#b9bfcc",
    negative: cssVar("--negative", "#d23a32"),
    brand: cssVar("--brand", "#4c3fd1"),
    muted: cssVar("--muted", "#555d72"),
    grid: cssVar("--border", "#e1e4ec"),
    empty: cssVar("--surface-2", "#f0f2f7"),
    text: cssVar("--text", "#171a2b"),
  };
}

export const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

export function chartLibrary() {
  // Chart.js is a classic deferred script that runs before this module; it may be missing if
  // the vendor file failed to load, and then the page simply keeps its text figures.
  return window.Chart || null;
}

export function applyDefaults(Chart) {
  const c = colours();
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = c.muted;
  Chart.defaults.borderColor = c.grid;
  if (reducedMotion()) Chart.defaults.animation = false;
}

export { LABELS };

const BUCKET_MS = { hour: 3600 * 1000, day: 24 * 3600 * 1000 };

// Every bucket of [from, to): the API omits empty ones; the chart shows them as gaps.
export function bucketTimes(from, to, bucket) {
  const step = BUCKET_MS[bucket] || BUCKET_MS.day;
  const times = [];
  for (let t = Date.parse(from); t < Date.parse(to) && times.length < 5000; t += step) times.push(t);
  return times;
}

export function byTime(points) {
  return new Map(points.map((p) => [Date.parse(p.t), p]));
}

export function timeAxis(bucket) {
  return {
    type: "time",
    offset: true,
    time: {
      unit: bucket === "hour" ? undefined : "day",
      tooltipFormat: bucket === "hour" ? "d MMM yyyy, HH:mm" : "d MMM yyyy",
      displayFormats: { hour: "HH:mm", day: "d MMM", week: "d MMM", month: "MMM yyyy" },
    },
    ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 18, source: "auto" },
    grid: { display: false },
  };
}

export const share = (part, total) => (total ? (100 * part) / total : null);
