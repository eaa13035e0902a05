// A hashtag's page: the trend chart from /api/tags/<tag>/trend and the topic context.
import { applyDefaults, chartLibrary, colours } from "./charts.js";

async function loadContext() {
  const box = document.getElementById("topic");
  if (!box || !box.dataset.contextUrl) return;
  try {
    const response = await fetch(box.dataset.contextUrl, { headers: { Accept: "text/html" } });
    if (response.status !== 200) return; // 204: nothing known about the topic
    // The fragment is rendered by our server with autoescaping; no tweet text is in it.
    box.innerHTML = await response.text();
    box.hidden = false;
  } catch {
    // No context is fine: the page is complete without it.
  }
}

const share = (part, total) => (total ? (100 * part) / total : 0);
const HOUR_MS = 3600 * 1000;

// Runs seconds apart (or a single run) would get an axis in milliseconds: keep a readable span.
function timeRange(points) {
  const times = points.map((p) => Date.parse(p.t));
  const first = Math.min(...times);
  const last = Math.max(...times);
  const pad = Math.max((last - first) * 0.06, 2 * HOUR_MS);
  return { min: first - pad, max: last + pad };
}

function drawTrend(canvas, points) {
  const Chart = chartLibrary();
  if (!Chart) return;
  applyDefaults(Chart);
  const c = colours();
  const line = (label, key, colour) => ({
    type: "line",
    label,
    data: points.map((p) => ({ x: p.t, y: share(p[key], p.total) })),
    borderColor: colour,
    backgroundColor: colour,
    pointRadius: 3.5,
    pointHoverRadius: 6,
    borderWidth: 2.5,
    tension: 0.25,
    yAxisID: "share",
  });
  const chart = new Chart(canvas, {
    data: {
      datasets: [
        line("Positive share", "positive", c.positive),
        line("Negative share", "negative", c.negative),
        {
          type: "bar",
          label: "Tweets scored",
          data: points.map((p) => ({ x: p.t, y: p.total })),
          backgroundColor: "rgba(76, 63, 209, 0.16)",
          hoverBackgroundColor: "rgba(76, 63, 209, 0.3)",
          borderRadius: 4,
          maxBarThickness: 26,
          yAxisID: "volume",
          order: 2,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: {
          type: "time",
          ...timeRange(points),
          time: {
            tooltipFormat: "d MMM yyyy, HH:mm",
            displayFormats: { minute: "HH:mm", hour: "HH:mm", day: "d MMM", week: "d MMM", month: "MMM yyyy" },
          },
          ticks: { maxRotation: 0, autoSkipPadding: 16 },
          grid: { display: false },
        },
        share: {
          position: "left",
          min: 0,
          max: 100,
          ticks: { callback: (value) => `${value}%`, stepSize: 25 },
          title: { display: true, text: "Share of tweets" },
        },
        volume: {
          position: "right",
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          ticks: { precision: 0 },
          title: { display: true, text: "Tweets per run" },
        },
      },
      plugins: {
        legend: { position: "bottom", labels: { usePointStyle: true, pointStyle: "circle", boxWidth: 8, boxHeight: 8, padding: 18 } },
        tooltip: {
          callbacks: {
            label(item) {
              const value = item.parsed.y;
              return item.dataset.yAxisID === "share"
                ? ` ${item.dataset.label}: ${value.toFixed(1)}%`
                : ` ${value} tweets scored`;
            },
            footer(items) {
              const point = points[items[0].dataIndex];
              const mean = point.mean_score === null ? "–" : point.mean_score.toFixed(2);
              return `Mean score ${mean} · ${point.tracked ? "tracked run" : "one-off run"}\nClick to open this run`;
            },
          },
        },
      },
      onClick(_event, elements) {
        if (elements.length) window.location.href = `/jobs/${points[elements[0].index].job_id}`;
      },
      onHover(event, elements) {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      },
    },
  });
  canvas.dataset.chartReady = "true";
  return chart;
}

async function loadTrend() {
  const canvas = document.getElementById("trend-chart");
  if (!canvas) return;
  const empty = document.querySelector("[data-trend-empty]");
  try {
    const response = await fetch(canvas.dataset.trendUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`trend: ${response.status}`);
    const { points } = await response.json();
    if (!points.length) {
      canvas.parentElement.hidden = true;
      if (empty) empty.hidden = false;
      return;
    }
    drawTrend(canvas, points);
    if (points.length === 1 && empty) {
      empty.textContent = "One run so far: analyse it again later, or track it, to see a trend.";
      empty.hidden = false;
    }
  } catch {
    canvas.parentElement.hidden = true;
    if (empty) {
      empty.textContent = "The chart could not be loaded; the runs are listed below.";
      empty.hidden = false;
    }
  }
}

loadTrend();
loadContext();
