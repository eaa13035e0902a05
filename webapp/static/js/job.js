// A job's page: the sentiment doughnut, and while the job runs, live progress and tweets.
import { LABEL_NAMES, applyDefaults, chartLibrary, colours } from "./charts.js";
import { formatTime } from "./time.js";

const FIRST_DELAY_MS = 500;
const BACKOFF = 1.5;
const MAX_DELAY_MS = 5000;
const LIVE_TWEETS = 10;
const ORDER = ["positive", "neutral", "negative"];

const root = document.getElementById("job");

function counts(source) {
  return Object.fromEntries(ORDER.map((label) => [label, Number(source[label]) || 0]));
}

// ---- the doughnut ------------------------------------------------------------------------

let donut = null;

function donutData(values) {
  const c = colours();
  const total = ORDER.reduce((sum, label) => sum + values[label], 0);
  // An empty ring (one grey slice) until the first tweet is scored.
  return {
    labels: total ? ORDER.map((label) => LABEL_NAMES[label]) : ["No tweets yet"],
    datasets: [{
      data: total ? ORDER.map((label) => values[label]) : [1],
      backgroundColor: total ? ORDER.map((label) => c[label]) : [c.empty],
      borderColor: "#ffffff",
      borderWidth: total ? 2 : 0,
      hoverOffset: total ? 6 : 0,
    }],
  };
}

function drawDonut(values) {
  const canvas = document.getElementById("donut");
  const Chart = chartLibrary();
  if (!canvas || !Chart) return;
  if (donut) {
    donut.data = donutData(values);
    donut.update();
    return;
  }
  applyDefaults(Chart);
  donut = new Chart(canvas, {
    type: "doughnut",
    data: donutData(values),
    options: {
      responsive: false,
      cutout: "68%",
      plugins: {
        legend: { display: false },
        tooltip: {
          filter: (item) => item.label !== "No tweets yet",
          callbacks: {
            label(item) {
              const sum = item.dataset.data.reduce((a, b) => a + b, 0);
              const share = sum ? ((100 * item.parsed) / sum).toFixed(1) : "0";
              return ` ${item.parsed} tweets (${share}%)`;
            },
          },
        },
      },
    },
  });
  canvas.dataset.chartReady = "true";
}

// ---- live updates ------------------------------------------------------------------------

function setText(selector, text) {
  for (const el of root.querySelectorAll(selector)) el.textContent = text;
}

function renderSummary(job) {
  const values = counts(job.counts);
  const total = ORDER.reduce((sum, label) => sum + values[label], 0);
  for (const label of ORDER) {
    setText(`[data-count-for="${label}"]`, String(values[label]));
    const share = total ? (100 * values[label]) / total : 0;
    setText(`[data-percent-for="${label}"]`, `${share.toFixed(1)}%`);
    setText(`[data-tab-count="${label}"]`, String(values[label]));
  }
  setText("[data-total]", String(total));
  setText('[data-tab-count="all"]', String(total));
  if (job.mean_score !== null && job.mean_score !== undefined) {
    setText("[data-mean-score]", Number(job.mean_score).toFixed(2));
    const meter = root.querySelector(".mean-score__meter");
    if (meter) {
      meter.value = job.mean_score;
      meter.hidden = false;
    }
  }
  const canvas = document.getElementById("donut");
  if (canvas) {
    const words = ORDER.map((label) => `${wholePercent(values[label], total)} ${label}`);
    canvas.setAttribute("aria-label", `Doughnut chart: ${words.join(", ")}`);
  }
  drawDonut(values);
}

// As core/shares.py's whole_percent: a share that is not nothing never reads 0%, nor one that
// is not everything 100%.
function wholePercent(count, total) {
  if (!total) return "0%";
  const value = Math.round((100 * count) / total);
  if (value === 0 && count > 0) return "<1%";
  if (value === 100 && count < total) return ">99%";
  return `${value}%`;
}

let lastAnnounced = "";

function renderProgress(job) {
  const bar = document.getElementById("job-progress");
  const { scored, fetched } = job.progress;
  const limit = job.limit;
  if (bar) {
    bar.max = limit;
    if (job.status === "queued") bar.removeAttribute("value");
    else bar.value = Math.min(scored, limit);
  }
  const heading = document.getElementById("progress-heading");
  if (heading) heading.textContent = job.status === "queued" ? "Waiting for a worker…" : "Scoring tweets…";
  // A queued job's error is a note: why it waits (a scheduled retry, an unreachable queue).
  const message = job.status === "queued"
    ? `Queued: ${job.error || "waiting for a worker to pick this analysis up."}`
    : `${scored} of up to ${limit} tweets scored (${fetched} fetched).`;
  const text = document.getElementById("progress-text");
  if (text) text.textContent = message;
  // The announcer is an aria-live region: it speaks at a change of state and at each quarter,
  // not at every poll, so screen readers are not flooded.
  const announcer = document.getElementById("progress-announce");
  const key = `${job.status}:${Math.floor((4 * scored) / Math.max(1, limit))}`;
  if (announcer && key !== lastAnnounced) {
    lastAnnounced = key;
    announcer.textContent = message;
  }
  const status = document.getElementById("job-status");
  const chip = status && status.querySelector(".status");
  if (chip && chip.textContent.toLowerCase() !== job.status) {
    chip.className = `status status--${job.status}`;
    chip.textContent = job.status.charAt(0).toUpperCase() + job.status.slice(1);
  }
}

function tweetItem(tweet, fresh) {
  const li = document.createElement("li");
  li.className = `tweet tweet--${tweet.label}${fresh ? " tweet--new" : ""}`;
  const head = document.createElement("div");
  head.className = "tweet__head";
  const user = document.createElement("span");
  user.className = "tweet__user";
  user.textContent = `@${tweet.username}`;
  const when = document.createElement("span");
  when.className = "tweet__when";
  when.textContent = formatTime(tweet.created_at);
  head.append(user, when);
  const text = document.createElement("p");
  text.className = "tweet__text";
  text.textContent = tweet.text;
  const foot = document.createElement("div");
  foot.className = "tweet__foot";
  const chip = document.createElement("span");
  chip.className = `chip chip--${tweet.label}`;
  chip.textContent = LABEL_NAMES[tweet.label] || tweet.label;
  const score = document.createElement("span");
  score.className = "tweet__score";
  score.textContent = `score ${Number(tweet.score).toFixed(2)}`;
  foot.append(chip, score);
  li.append(head, text, foot);
  return li;
}

const seen = new Set();
const tweetKey = (t) => `${t.username}|${t.created_at}|${t.text}`;

async function refreshTweets() {
  const list = document.getElementById("tweet-list");
  if (!list || !list.hasAttribute("data-live")) return;
  const url = `${root.dataset.tweetsUrl}?sort=newest&per_page=${LIVE_TWEETS}`;
  const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
  if (!response.ok) return;
  const page = await response.json();
  const firstLoad = seen.size === 0 && list.children.length > 0;
  const items = page.results.map((tweet) => {
    const key = tweetKey(tweet);
    const fresh = !firstLoad && !seen.has(key);
    seen.add(key);
    return tweetItem(tweet, fresh);
  });
  list.replaceChildren(...items);
  const empty = document.getElementById("tweets-empty");
  if (empty && items.length) empty.hidden = true;
  setText("[data-tweet-total]", `${page.total} so far`);
}

function finish() {
  // The finished page has what only the server computes (top terms, pages of tweets, exports).
  window.location.reload();
}

async function poll(delay, lastProgress) {
  let next = Math.min(delay * BACKOFF, MAX_DELAY_MS);
  let progress = lastProgress;
  try {
    const response = await fetch(root.dataset.apiUrl, {
      headers: { Accept: "application/json" }, cache: "no-store",
    });
    if (response.status === 404) return;
    if (response.ok) {
      const job = await response.json();
      if (job.status === "done" || job.status === "failed") {
        finish();
        return;
      }
      renderProgress(job);
      renderSummary(job);
      progress = `${job.status}:${job.progress.scored}`;
      if (progress !== lastProgress) {
        await refreshTweets();
        next = FIRST_DELAY_MS; // something is happening: keep up with it
      }
    }
  } catch {
    // Network hiccup: keep backing off and try again.
  }
  window.setTimeout(() => poll(next, progress), next);
}

if (root) {
  const canvas = document.getElementById("donut");
  if (canvas) drawDonut(counts(canvas.dataset));
  const status = root.dataset.status;
  if (status === "queued" || status === "running") {
    window.setTimeout(() => poll(FIRST_DELAY_MS, `${status}:?`), FIRST_DELAY_MS);
  }
}
