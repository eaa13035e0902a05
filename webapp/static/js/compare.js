// The comparison: one line per hashtag from /api/compare, on the same buckets.
import { applyDefaults, bucketTimes, byTime, chartLibrary, share, timeAxis } from "./charts.js";

// The same colours as the swatches in the stylesheet (.swatch--1 … --4).
const SERIES_COLOURS = ["#4c3fd1", "#d97706", "#0e7490", "#be185d"];
const METRICS = {
  positive: { axis: "Positive share", value: (p) => share(p.positive, p.total), format: (v) => `${v.toFixed(1)}%`, percent: true },
  negative: { axis: "Negative share", value: (p) => share(p.negative, p.total), format: (v) => `${v.toFixed(1)}%`, percent: true },
  mean_score: { axis: "Mean score (0–1)", value: (p) => p.mean_score, format: (v) => v.toFixed(2) },
  total: { axis: "Posts", value: (p) => p.total, format: (v) => `${v} posts`, zero: true },
};

function datasets(body, times, metric) {
  const m = METRICS[metric];
  return body.series.map((series, index) => {
    const found = byTime(series.points);
    return {
      label: `#${series.hashtag}`,
      data: times.map((t) => {
        const point = found.get(t);
        return { x: t, y: point ? m.value(point) : m.zero ? 0 : null };
      }),
      borderColor: SERIES_COLOURS[index],
      backgroundColor: SERIES_COLOURS[index],
      pointRadius: times.length > 60 ? 0 : 3,
      borderWidth: 2.25,
      tension: 0.2,
      spanGaps: false,
    };
  });
}

function yAxis(metric) {
  const m = METRICS[metric];
  const axis = { beginAtZero: true, title: { display: true, text: m.axis } };
  if (m.percent) Object.assign(axis, { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } });
  if (metric === "mean_score") Object.assign(axis, { min: 0, max: 1 });
  if (metric === "total") axis.ticks = { precision: 0 };
  return axis;
}

async function loadCompare() {
  const canvas = document.getElementById("compare-chart");
  if (!canvas) return;
  const empty = document.querySelector("[data-trend-empty]");
  const select = document.getElementById("compare-metric");
  const Chart = chartLibrary();
  try {
    const response = await fetch(canvas.dataset.compareUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`compare: ${response.status}`);
    const body = await response.json();
    if (!body.series.some((s) => s.points.length) || !Chart) {
      canvas.parentElement.hidden = true;
      if (empty) empty.hidden = false;
      return;
    }
    applyDefaults(Chart);
    const times = bucketTimes(body.from, body.to, body.bucket);
    let metric = select ? select.value : "positive";
    const chart = new Chart(canvas, {
      type: "line",
      data: { datasets: datasets(body, times, metric) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: timeAxis(body.bucket), y: yAxis(metric) },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true, pointStyle: "circle", boxWidth: 8, boxHeight: 8, padding: 18 } },
          tooltip: {
            callbacks: {
              label(item) {
                const v = item.parsed.y;
                return ` ${item.dataset.label}: ${v === null ? "no post" : METRICS[metric].format(v)}`;
              },
            },
          },
        },
      },
    });
    if (select) {
      select.addEventListener("change", () => {
        metric = select.value;
        chart.data.datasets = datasets(body, times, metric);
        chart.options.scales.y = yAxis(metric);
        chart.update();
      });
    }
    canvas.dataset.chartReady = "true";
  } catch {
    canvas.parentElement.hidden = true;
    if (empty) {
      empty.textContent = "The chart could not be loaded; the summary figures are above.";
      empty.hidden = false;
    }
  }
}

loadCompare();
