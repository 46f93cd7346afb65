// Read and understood by briefing or by team, for the briefing dashboard and a briefing's report.
//
// CSP forbids inline scripts, so the figures come from a JSON block written with json_script:
//   {{ chart|json_script:"briefing-chart-data" }} -> {labels, opened, understood} (per cent)
//   <canvas id="briefing-chart"></canvas>
// The table under the chart holds the same figures with their counts.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("briefing-chart-data");
  const canvas = document.getElementById("briefing-chart");
  if (!source || !canvas || !window.Chart) {
    return;
  }
  const data = JSON.parse(source.textContent);
  // Sized here: CSP refuses inline style attributes.
  canvas.parentElement.style.position = "relative";
  canvas.parentElement.style.height = `${Math.max(220, 40 * data.labels.length)}px`;
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: "Opened (%)", data: data.opened, backgroundColor: "#8fb3d9" },
        { label: "Understood (%)", data: data.understood, backgroundColor: "#1f4e79" },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (value) => `${value} %` } } },
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${item.raw} %` } } },
    },
  });
});
