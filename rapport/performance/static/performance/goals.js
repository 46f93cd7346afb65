// A goal's check-in values against its target. The figures come from the page's JSON block (no
// inline script, CSP); the history table on the page holds the same figures.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("goal-chart-data");
  const canvas = document.getElementById("goal-chart");
  if (!source || !canvas || !window.Chart) {
    return;
  }
  const data = JSON.parse(source.textContent);
  const flat = (value) => data.labels.map(() => value);
  const datasets = [
    { label: `Check-in (${data.unit})`, data: data.values, spanGaps: false },
    { label: "Target", data: flat(data.target), borderDash: [6, 4], pointRadius: 0 },
  ];
  if (data.baseline !== null) {
    datasets.push({ label: "Baseline", data: flat(data.baseline), borderDash: [2, 3], pointRadius: 0 });
  }
  new window.Chart(canvas, {
    type: "line",
    data: { labels: data.labels, datasets },
    options: {
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom" } },
    },
  });
});
