// Escalation analysis charts. The figures come from the page's JSON block (no inline script, CSP);
// every chart has a table with the same figures next to it.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("escalation-chart-data");
  if (!source || !window.Chart) {
    return;
  }
  const data = JSON.parse(source.textContent);
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const series = data[canvas.dataset.chart];
    if (!series) {
      return;
    }
    const line = canvas.dataset.kind === "line";
    new window.Chart(canvas, {
      type: line ? "line" : "bar",
      data: {
        labels: series.labels,
        datasets: [{ label: "Escalations", data: series.counts }],
      },
      options: {
        indexAxis: line ? "x" : "y",
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: line
          ? { y: { beginAtZero: true, ticks: { precision: 0 } } }
          : { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  });
});
