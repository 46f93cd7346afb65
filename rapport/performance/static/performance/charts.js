// Trend charts for KPI figures, shared by the performance pages.
//
// CSP forbids inline scripts, so the figures come from a JSON block written with json_script:
//   {{ charts|json_script:"kpi-charts" }}   -> {"<key>": {labels, values, low, high, target, unit}, ...}
//   <canvas data-chart-source="kpi-charts" data-chart="<key>"></canvas>
// Each series is drawn as a line, its 95% interval as a shaded band and its target (if any) as a
// dashed line. Missing values (not enough data) leave gaps rather than joining across them.
// Charts are drawn on page load and again when htmx swaps in new content.
(() => {
  const COLOUR = "#1f4e79";
  const BAND = "rgba(31, 78, 121, 0.15)";
  const TARGET = "#a64b00";

  function clock(seconds) {
    const total = Math.round(Math.abs(seconds));
    const sign = seconds < 0 && total ? "-" : "";
    const minutes = Math.floor(total / 60);
    return `${sign}${minutes}:${String(total % 60).padStart(2, "0")}`;
  }

  function formatter(unit) {
    if (unit === "seconds") {
      return (value) => clock(value);
    }
    if (unit === "%") {
      return (value) => `${Number(value).toFixed(1)} %`;
    }
    return (value) => Number(value).toLocaleString(undefined, { maximumFractionDigits: 2 });
  }

  function datasets(series) {
    const sets = [
      { label: "95% interval", data: series.high, borderWidth: 0, pointRadius: 0, backgroundColor: BAND, fill: "+1" },
      { label: "interval-low", data: series.low, borderWidth: 0, pointRadius: 0, fill: false },
      { label: "Value", data: series.values, borderColor: COLOUR, backgroundColor: COLOUR, pointRadius: 3, spanGaps: false },
    ];
    if (series.target !== null && series.target !== undefined) {
      sets.push({
        label: "Target",
        data: series.labels.map(() => series.target),
        borderColor: TARGET,
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
        fill: false,
      });
    }
    return sets;
  }

  function draw(canvas, series) {
    const format = formatter(series.unit);
    new window.Chart(canvas, {
      type: "line",
      data: { labels: series.labels, datasets: datasets(series) },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { labels: { boxWidth: 12, filter: (item) => item.text !== "interval-low" } },
          tooltip: {
            filter: (item) => item.dataset.label !== "interval-low" && item.raw !== null,
            callbacks: { label: (item) => `${item.dataset.label}: ${format(item.raw)}` },
          },
        },
        scales: { y: { ticks: { callback: (value) => format(value) } } },
      },
    });
  }

  function drawAll(root) {
    if (!window.Chart) {
      return;
    }
    const sources = {};
    root.querySelectorAll("canvas[data-chart-source]").forEach((canvas) => {
      if (window.Chart.getChart(canvas)) {
        return;
      }
      const id = canvas.dataset.chartSource;
      if (!(id in sources)) {
        const block = document.getElementById(id);
        sources[id] = block ? JSON.parse(block.textContent) : {};
      }
      const series = sources[id][canvas.dataset.chart];
      if (series) {
        draw(canvas, series);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => drawAll(document));
  // After an outerHTML swap the event target may be the element that was replaced: scan the page.
  document.addEventListener("htmx:afterSettle", () => drawAll(document));
})();
