// Try the model: score without reloading the page, through /api/predict. Without this script
// the form posts to the server, which does the same.
const LABEL_NAMES = { positive: "Positive", neutral: "Neutral", negative: "Negative" };
const ORDER = ["positive", "neutral", "negative"];

const form = document.querySelector("form[data-predict-url]");
const panel = document.getElementById("model-result");

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function showPrediction(result) {
  const box = element("div", "prediction");
  box.dataset.prediction = "";
  const head = element("p", "prediction__label");
  head.append(element("span", `chip chip--${result.label}`, LABEL_NAMES[result.label]));
  const score = element("span", "prediction__score", "score ");
  score.append(element("strong", "", Number(result.score).toFixed(2)));
  head.append(" ", score);
  const probs = element("dl", "probs");
  for (const label of ORDER) {
    const row = element("div", `probs__row probs__row--${label}`);
    const dd = element("dd");
    const meter = element("meter", "probs__meter");
    meter.min = 0;
    meter.max = 1;
    meter.value = result.probs[label];
    meter.setAttribute("aria-label", `${LABEL_NAMES[label]} probability`);
    dd.append(meter, element("span", "probs__value", `${Math.round(100 * result.probs[label])}%`));
    row.append(element("dt", "", LABEL_NAMES[label]), dd);
    probs.append(row);
  }
  box.append(head, probs);
  return box;
}

function showProblem(message) {
  const p = element("p", "notice notice--warn", message);
  p.setAttribute("role", "alert");
  return p;
}

function render(content) {
  const title = panel.querySelector("h2");
  panel.replaceChildren(title, content);
}

if (form && panel) {
  form.addEventListener("submit", async (event) => {
    const text = form.elements.text.value;
    if (!text.trim()) return; // let the server say what is missing, inline
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    panel.classList.add("is-busy");
    try {
      const response = await fetch(form.dataset.predictUrl, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          // A signed-in browser's API calls that change or run something carry the CSRF token.
          "X-CSRFToken": document.querySelector('meta[name="csrf-token"]')?.content ?? "",
        },
        body: JSON.stringify({ texts: [text] }),
      });
      if (response.ok) {
        render(showPrediction((await response.json()).results[0]));
      } else if (response.status === 503 || response.status === 504) {
        render(showProblem("The model is not answering right now (no scoring worker is free). Try again in a moment."));
      } else {
        form.submit(); // anything else: let the server render its own answer
      }
    } catch {
      form.submit();
    } finally {
      button.disabled = false;
      panel.classList.remove("is-busy");
    }
  });
}
