// A hashtag's page: the trend chart from /api/tags/<tag>/trend and the topic context.
import { applyDefaults, bucketTimes, byTime, chartLibrary, colours, share, timeAxis } from "./charts.js";

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

// Share lines over volume bars, one slot per bucket: runs minutes apart or a year of posts
// read the same, and an empty bucket is a gap, not a line drawn across it.
function drawTrend(canvas, body) {
  const Chart = chartLibrary();
  if (!Chart) return null;
  applyDefaults(Chart);
  const c = colours();
  const found = byTime(body.points);
  const times = bucketTimes(body.from, body.to, body.bucket);
  const at = (t) => found.get(t);
  const line = (label, key, colour) => ({
    type: "line",
    label,
    data: times.map((t) => ({ x: t, y: at(t) ? share(at(t)[key], at(t).total) : null })),
    borderColor: colour,
    backgroundColor: colour,
    pointRadius: times.length > 60 ? 0 : 3,
    pointHoverRadius: 5,
    borderWidth: 2.25,
    tension: 0.2,
    spanGaps: false,
    yAxisID: "share",
  });
  const chart = new Chart(canvas, {
    data: {
      datasets: [
        line("Positive share", "positive", c.positive),
        line("Negative share", "negative", c.negative),
        {
          type: "bar",
          label: "Posts",
          data: times.map((t) => ({ x: t, y: at(t) ? at(t).total : 0 })),
          backgroundColor: "rgba(76, 63, 209, 0.18)",
          hoverBackgroundColor: "rgba(76, 63, 209, 0.32)",
          barPercentage: 0.9,
          categoryPercentage: 1,
          minBarLength: 2,
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
        x: timeAxis(body.bucket),
        share: {
          position: "left",
          min: 0,
          max: 100,
          ticks: { callback: (value) => `${value}%`, stepSize: 25 },
          title: { display: true, text: "Share of posts" },
        },
        volume: {
          position: "right",
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          ticks: { precision: 0 },
          title: { display: true, text: `Posts per ${body.bucket}` },
        },
      },
      plugins: {
        legend: { position: "bottom", labels: { usePointStyle: true, pointStyle: "circle", boxWidth: 8, boxHeight: 8, padding: 18 } },
        tooltip: {
          callbacks: {
            label(item) {
              const value = item.parsed.y;
              if (item.dataset.yAxisID === "share") {
                return value === null ? ` ${item.dataset.label}: –` : ` ${item.dataset.label}: ${value.toFixed(1)}%`;
              }
              return ` ${value} post${value === 1 ? "" : "s"}`;
            },
            footer(items) {
              const point = at(times[items[0].dataIndex]);
              return point ? `Mean score ${point.mean_score.toFixed(2)}` : "No post";
            },
          },
        },
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
    const body = await response.json();
    if (!body.points.length) {
      canvas.parentElement.hidden = true;
      if (empty) empty.hidden = false;
      return;
    }
    drawTrend(canvas, body);
  } catch {
    canvas.parentElement.hidden = true;
    if (empty) {
      empty.textContent = "The chart could not be loaded; the summary figures are above.";
      empty.hidden = false;
    }
  }
}

loadTrend();
loadContext();
