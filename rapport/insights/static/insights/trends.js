// Charts of what customers say, for the insights dashboard.
//
// CSP forbids inline scripts, so the figures come from a JSON block written with json_script:
//   {{ charts|json_script:"insight-charts" }}
//     -> {sentiment: {labels, mean, negative, n}, intents: {labels, series: [{label, counts}]},
//         contact_type: {labels, mean, negative, n}, product: {...}}
//   <canvas data-insight-chart="sentiment|intents|contact_type|product"></canvas>
// Sentiment is a line (mean, −1…1) with the share of negative contacts on a second axis; intents
// are bars stacked by week; contact types and products are bars of their negative share.
// Missing values (not enough data) leave gaps. Every chart has a table on the page.
(() => {
  const COLOUR = "#1f4e79";
  const NEGATIVE = "#a64b00";
  const PALETTE = ["#a64b00", "#1f4e79", "#2e7d32", "#6a1b9a", "#c62828", "#00838f"];

  const percent = (value) => `${Number(value).toFixed(1)} %`;
  const signed = (value) => Number(value).toFixed(2);

  function sentiment(data) {
    return {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: "Mean sentiment", data: data.mean, borderColor: COLOUR, backgroundColor: COLOUR, yAxisID: "y", spanGaps: false, pointRadius: 2 },
          { label: "Negative share", data: data.negative, borderColor: NEGATIVE, backgroundColor: NEGATIVE, borderDash: [6, 4], yAxisID: "share", spanGaps: false, pointRadius: 2 },
        ],
      },
      options: {
        interaction: { mode: "index", intersect: false },
        plugins: {
          tooltip: {
            filter: (item) => item.raw !== null,
            callbacks: {
              label: (item) => (item.dataset.yAxisID === "share" ? `Negative: ${percent(item.raw)}` : `Mean: ${signed(item.raw)}`),
              footer: (items) => (items.length ? `n = ${data.n[items[0].dataIndex]}` : ""),
            },
          },
        },
        scales: {
          y: { min: -1, max: 1, title: { display: true, text: "Mean sentiment" } },
          share: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false }, ticks: { callback: (v) => percent(v) } },
        },
      },
    };
  }

  function intents(data) {
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map((series, i) => ({ label: series.label, data: series.counts, backgroundColor: PALETTE[i % PALETTE.length] })),
      },
      options: {
        interaction: { mode: "index", intersect: false },
        scales: { x: { stacked: true, title: { display: true, text: "Week of" } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      },
    };
  }

  function groups(data) {
    return {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: "Negative share", data: data.negative, backgroundColor: NEGATIVE }] },
      options: {
        indexAxis: "y",
        plugins: {
          legend: { display: false },
          tooltip: {
            filter: (item) => item.raw !== null,
            callbacks: {
              label: (item) => `Negative: ${percent(item.raw)}`,
              footer: (items) => (items.length ? `n = ${data.n[items[0].dataIndex]}` : ""),
            },
          },
        },
        scales: { x: { min: 0, max: 100, ticks: { callback: (v) => percent(v) } } },
      },
    };
  }

  const BUILDERS = { sentiment, intents, contact_type: groups, product: groups };

  function drawAll(root) {
    const block = document.getElementById("insight-charts");
    if (!window.Chart || !block) {
      return;
    }
    const charts = JSON.parse(block.textContent);
    root.querySelectorAll("canvas[data-insight-chart]").forEach((canvas) => {
      const key = canvas.dataset.insightChart;
      if (window.Chart.getChart(canvas) || !charts[key] || !BUILDERS[key]) {
        return;
      }
      const config = BUILDERS[key](charts[key]);
      config.options = { maintainAspectRatio: false, animation: false, ...config.options };
      new window.Chart(canvas, config);
    });
  }

  document.addEventListener("DOMContentLoaded", () => drawAll(document));
  document.addEventListener("htmx:afterSettle", () => drawAll(document));
})();
