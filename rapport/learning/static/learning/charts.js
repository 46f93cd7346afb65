// Charts of the learning pages: time to proficiency and training impact.
//
// CSP forbids inline scripts, so the figures come from a JSON block written with json_script:
//   {{ chart|json_script:"learning-charts" }}
//     cohorts page -> {cohorts: [{label, points: [{x: days, y: % proficient}]}]}
//     impact page  -> {labels: ["Before", "After"], unit, trained: {means, ranges, n}, untrained: {...}}
//   <canvas data-learning-chart="cohorts|impact"></canvas>
// Cohorts are Kaplan–Meier step curves (share proficient by days since starting); impact shows
// each group's mean before and after as a line, with its 95 % interval as a thin floating bar.
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
      { type: "bar", label: `${label}: 95 % CI`, data: figures.ranges, backgroundColor: `${colour}55`, borderColor: colour, borderWidth: 1, barPercentage: 0.15, grouped: false },
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
        scales: { y: { title: { display: true, text: data.unit } } },
      },
    };
  }

  const BUILDERS = { cohorts, impact };

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
      config.options = { maintainAspectRatio: false, animation: false, ...config.options };
      new window.Chart(canvas, config);
    });
  }

  document.addEventListener("DOMContentLoaded", () => drawAll(document));
  document.addEventListener("htmx:afterSettle", () => drawAll(document));
})();
