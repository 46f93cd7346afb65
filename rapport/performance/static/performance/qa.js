// QA pages. The scoring form shows the score its answers give so far (the server computes the
// real one on submit); the calibration page draws each evaluator's score from its JSON block
// (no inline script, CSP). A table beside the chart holds the same figures.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-qa-scoring]").forEach(liveScore);
  drawScores();
});

function liveScore(form) {
  const output = form.querySelector("[data-qa-live-score]");
  if (!output) {
    return;
  }
  const update = () => {
    let met = 0;
    let applicable = 0;
    let failed = false;
    let unanswered = 0;
    form.querySelectorAll("fieldset[data-weight]").forEach((fieldset) => {
      const checked = fieldset.querySelector("input[type=radio]:checked");
      if (!checked) {
        unanswered += 1;
        return;
      }
      const weight = Number(fieldset.dataset.weight);
      if (checked.value === "na") {
        return;
      }
      applicable += weight;
      if (checked.value === "met") {
        met += weight;
      } else if (fieldset.dataset.autoFail === "1") {
        failed = true;
      }
    });
    let text;
    if (failed) {
      text = "0 (auto-fail)";
    } else if (applicable === 0) {
      text = "—";
    } else {
      text = (Math.round((10000 * met) / applicable) / 100).toFixed(2);
    }
    output.textContent = unanswered ? `${text} (${unanswered} not answered)` : text;
  };
  form.addEventListener("change", update);
  update();
}

function drawScores() {
  const source = document.getElementById("qa-calibration-chart");
  const canvas = document.getElementById("chart-scores");
  if (!source || !canvas || !window.Chart) {
    return;
  }
  const data = JSON.parse(source.textContent);
  new window.Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: "Score", data: data.scores }] },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, max: 100 } },
    },
  });
}
