// Charts of the survey report. CSP forbids inline scripts: the figures come from the JSON block
// written with json_script ("survey-charts"); each canvas names its chart in data-survey-chart.
// Every chart has a table on the page with the same figures. Weeks with "not enough data" are
// gaps (null), never joined across.
(() => {
  const COLOUR = "#1f4e79";
  const BAND = "rgba(31, 78, 121, 0.15)";
  const WARN = "#a64b00";
  const percent = (value) => (value === null || value === undefined ? "not enough data" : `${Number(value).toFixed(1)} %`);

  function band(data, low, high, label) {
    return [
      { label: "95% interval", data: high, borderWidth: 0, pointRadius: 0, backgroundColor: BAND, fill: "+1" },
      { label: "interval-low", data: low, borderWidth: 0, pointRadius: 0, fill: false },
      { label, data, borderColor: COLOUR, backgroundColor: COLOUR, pointRadius: 3, spanGaps: false },
    ];
  }

  function lineOptions() {
    return {
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { labels: { boxWidth: 12, filter: (item) => item.text !== "interval-low" } },
        tooltip: {
          filter: (item) => item.dataset.label !== "interval-low",
          callbacks: { label: (item) => `${item.dataset.label}: ${percent(item.raw)}` },
        },
      },
      scales: { y: { min: 0, max: 100, ticks: { callback: (value) => `${value} %` } } },
    };
  }

  function csat(canvas, data) {
    new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: band(data.csat, data.csat_low, data.csat_high, "CSAT (4–5)") },
      options: lineOptions(),
    });
  }

  function response(canvas, data) {
    const sets = band(data.response_rate, data.response_low, data.response_high, "Response rate");
    sets.push({
      label: `Warning below ${data.threshold} %`,
      data: data.labels.map(() => data.threshold),
      borderColor: WARN,
      borderDash: [6, 4],
      borderWidth: 1.5,
      pointRadius: 0,
      fill: false,
    });
    new window.Chart(canvas, { type: "line", data: { labels: data.labels, datasets: sets }, options: lineOptions() });
  }

  function nps(canvas, data) {
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: "Promoters (9–10)", data: data.promoters, backgroundColor: "#2e7d32" },
          { label: "Passives (7–8)", data: data.passives, backgroundColor: "#9e9e9e" },
          { label: "Detractors (0–6)", data: data.detractors, backgroundColor: "#c62828" },
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { labels: { boxWidth: 12 } } },
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  const DRAW = { csat, response, nps };

  function drawAll() {
    const block = document.getElementById("survey-charts");
    if (!window.Chart || !block) {
      return;
    }
    const data = JSON.parse(block.textContent);
    document.querySelectorAll("canvas[data-survey-chart]").forEach((canvas) => {
      const draw = DRAW[canvas.dataset.surveyChart];
      if (draw && !window.Chart.getChart(canvas)) {
        draw(canvas, data);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", drawAll);
})();
