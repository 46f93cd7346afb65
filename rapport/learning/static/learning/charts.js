// Charts of the learning pages: time to proficiency, training impact and retention.
//
// CSP forbids inline scripts, so the figures come from a JSON block written with json_script:
//   {{ chart|json_script:"learning-charts" }}
//     cohorts page -> {cohorts: [{label, points: [{x: days, y: % proficient}]}]}
//     impact page  -> {labels: ["Before", "After"], unit, axis: {min, max},
//                      trained: {means, ranges, n}, untrained: {...}}
//     retention    -> {weeks: [{label, actual, low, high, predicted, n}]} (% or null when hidden)
//   <canvas data-learning-chart="cohorts|impact|retention"></canvas>
// The canvas keeps an aspect ratio (no inline style= on its box: the CSP style rule).
// Cohorts are Kaplan–Meier step curves (share proficient by days since starting); impact shows
// each group's mean before and after as a line, with its 95 % interval as a thin floating bar —
// the two groups' bars side by side, so overlapping intervals both show — on an axis that starts
// near the data. Retention is the share of review answers right per week beside the recall the
// scheduler predicted, with the actual share's 95 % interval as a band.
// Every chart has a table on the page with the same figures.
(() => {
  const PALETTE = ["#1f4e79", "#a64b00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#5d4037", "#455a64"];
  const TRAINED = "#1f4e79";
  const UNTRAINED = "#a64b00";

  function cohorts(data) {
    return {
      type: "line",
      data: {
        datasets: data.cohorts.map((cohort, i) => ({
          label: cohort.label,
          data: cohort.points,
          stepped: "before",
          borderColor: PALETTE[i % PALETTE.length],
          backgroundColor: PALETTE[i % PALETTE.length],
          pointRadius: 2,
        })),
      },
      options: {
        parsing: false,
        plugins: {
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${item.raw.y} % proficient by day ${item.raw.x}` } },
        },
        scales: {
          x: { type: "linear", min: 0, title: { display: true, text: "Days since starting" } },
          y: { min: 0, max: 100, title: { display: true, text: "% proficient" }, ticks: { callback: (v) => `${v} %` } },
        },
      },
    };
  }

  function impact(data) {
    const group = (label, figures, colour) => [
      { type: "line", label: `${label} (n = ${figures.n})`, data: figures.means, borderColor: colour, backgroundColor: colour, pointRadius: 4 },
      { type: "bar", label: `${label}: 95 % CI`, data: figures.ranges, backgroundColor: `${colour}55`, borderColor: colour, borderWidth: 1, categoryPercentage: 0.12, barPercentage: 0.9, grouped: true },
    ];
    return {
      data: { labels: data.labels, datasets: [...group("Trained", data.trained, TRAINED), ...group("Untrained", data.untrained, UNTRAINED)] },
      options: {
        interaction: { mode: "index", intersect: false },
        plugins: {
          tooltip: {
            filter: (item) => item.raw !== null,
            callbacks: {
              label: (item) => (Array.isArray(item.raw)
                ? `${item.dataset.label}: ${Number(item.raw[0]).toFixed(1)} – ${Number(item.raw[1]).toFixed(1)} ${data.unit}`
                : `${item.dataset.label}: ${Number(item.raw).toFixed(1)} ${data.unit}`),
            },
          },
        },
        scales: {
          y: {
            beginAtZero: false,
            suggestedMin: data.axis ? data.axis.min ?? undefined : undefined,
            suggestedMax: data.axis ? data.axis.max ?? undefined : undefined,
            title: { display: true, text: data.unit },
          },
        },
      },
    };
  }

  function retention(data) {
    const weeks = data.weeks || [];
    return {
      type: "line",
      data: {
        labels: weeks.map((w) => w.label),
        datasets: [
          { label: "95 % CI (low)", data: weeks.map((w) => w.low), borderWidth: 0, pointRadius: 0, fill: false },
          { label: "95 % CI", data: weeks.map((w) => w.high), borderWidth: 0, pointRadius: 0, fill: "-1", backgroundColor: `${TRAINED}22` },
          { label: "Answered right", data: weeks.map((w) => w.actual), borderColor: TRAINED, backgroundColor: TRAINED, pointRadius: 3, spanGaps: false },
          { label: "Predicted recall", data: weeks.map((w) => w.predicted), borderColor: UNTRAINED, backgroundColor: UNTRAINED, borderDash: [6, 4], pointRadius: 3, spanGaps: false },
        ],
      },
      options: {
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { labels: { filter: (item) => !item.text.startsWith("95 % CI (low)") } },
          tooltip: {
            filter: (item) => item.raw !== null && !item.dataset.label.startsWith("95 %"),
            callbacks: { label: (item) => `${item.dataset.label}: ${Number(item.raw).toFixed(1)} % (n = ${weeks[item.dataIndex].n})` },
          },
        },
        scales: { y: { suggestedMin: 50, max: 100, title: { display: true, text: "%" }, ticks: { callback: (v) => `${v} %` } } },
      },
    };
  }

  const BUILDERS = { cohorts, impact, retention };

  function drawAll(root) {
    const block = document.getElementById("learning-charts");
    if (!window.Chart || !block) {
      return;
    }
    const charts = JSON.parse(block.textContent);
    root.querySelectorAll("canvas[data-learning-chart]").forEach((canvas) => {
      const key = canvas.dataset.learningChart;
      if (window.Chart.getChart(canvas) || !BUILDERS[key]) {
        return;
      }
      const config = BUILDERS[key](charts);
      config.options = { maintainAspectRatio: true, aspectRatio: 2.6, animation: false, ...config.options };
      new window.Chart(canvas, config);
    });
  }

  document.addEventListener("DOMContentLoaded", () => drawAll(document));
  document.addEventListener("htmx:afterSettle", () => drawAll(document));
})();
