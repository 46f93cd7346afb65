// The upload form: under the source select, only the chosen source's description shows.
// Without this script every description shows.
(() => {
  function showChosenSource() {
    const select = document.getElementById("id_source_type");
    const help = document.getElementById("source-help");
    if (!select || !help) return;
    for (const item of help.querySelectorAll("[data-source-help]")) {
      item.hidden = item.dataset.sourceHelp !== select.value;
    }
    select.setAttribute("aria-describedby", "source-help");
  }
  document.addEventListener("DOMContentLoaded", () => {
    showChosenSource();
    const select = document.getElementById("id_source_type");
    if (select) select.addEventListener("change", showChosenSource);
  });
})();
