// Closed alerts by root cause. The figures come from the page's JSON block (no inline script,
// CSP); the table under the chart holds the same figures.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("root-cause-data");
  const canvas = document.getElementById("root-cause-chart");
  if (!source || !canvas || !window.Chart) {
    return;
  }
  const data = JSON.parse(source.textContent);
  new window.Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: "Closed alerts", data: data.values }] },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
});
