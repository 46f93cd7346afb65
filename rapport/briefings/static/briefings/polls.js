// Feature-feedback polls: result charts and the question editor.
//
// CSP forbids inline scripts, so the figures come from a JSON block written with json_script:
//   {{ charts|json_script:"poll-charts" }}
//     -> {"q<id>-team": {kind: "rating"|"choice", labels, series: [{label, values}], n}, ...}
//   <canvas data-poll-chart="q<id>-team"></canvas>
// Ratings are bars of the mean (1–5) per group; choices are bars of the share (%) choosing each
// option per group. Missing values (not enough data) are left out. Every chart has a table.
// The question editor shows the options box only for "one choice" questions.
(() => {
  const PALETTE = ["#1f4e79", "#a64b00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f"];

  function config(data) {
    const rating = data.kind === "rating";
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map((series, i) => ({
          label: series.label,
          data: series.values,
          backgroundColor: PALETTE[i % PALETTE.length],
        })),
      },
      options: {
        aspectRatio: 2.2,
        animation: false,
        plugins: {
          legend: { display: !rating, labels: { boxWidth: 12 } },
          tooltip: {
            filter: (item) => item.raw !== null,
            callbacks: {
              label: (item) => (rating ? `Mean: ${Number(item.raw).toFixed(2)}` : `${item.dataset.label}: ${Number(item.raw).toFixed(1)} %`),
              footer: (items) => (items.length ? `n = ${data.n[items[0].dataIndex]}` : ""),
            },
          },
        },
        scales: rating
          ? { y: { min: 1, max: 5, ticks: { stepSize: 1 }, title: { display: true, text: "Mean rating" } } }
          : { y: { min: 0, max: 100, ticks: { callback: (v) => `${v} %` } } },
      },
    };
  }

  function drawCharts(root) {
    const block = document.getElementById("poll-charts");
    if (!window.Chart || !block) {
      return;
    }
    const charts = JSON.parse(block.textContent);
    root.querySelectorAll("canvas[data-poll-chart]").forEach((canvas) => {
      const data = charts[canvas.dataset.pollChart];
      if (data && !window.Chart.getChart(canvas)) {
        new window.Chart(canvas, config(data));
      }
    });
  }

  function syncOptions(form) {
    const kind = form.querySelector("select[name='kind']");
    const options = form.querySelector("textarea[name='options']");
    if (!kind || !options) {
      return;
    }
    const box = options.closest(".mb-3") || options;
    box.hidden = kind.value !== "choice";
  }

  function editors(root) {
    root.querySelectorAll("form.poll-question-form").forEach((form) => {
      syncOptions(form);
      const kind = form.querySelector("select[name='kind']");
      if (kind && !kind.dataset.pollBound) {
        kind.dataset.pollBound = "1";
        kind.addEventListener("change", () => syncOptions(form));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    drawCharts(document);
    editors(document);
  });
  document.addEventListener("htmx:afterSettle", () => drawCharts(document));
})();
