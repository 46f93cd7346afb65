// Narrow a long list of colleagues as you type; without JavaScript the list still works (and a
// select already jumps to a name as you type its first letters).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-filters]").forEach((input) => {
    const select = document.getElementById(input.dataset.filters);
    if (!select) {
      return;
    }
    input.addEventListener("input", () => {
      const wanted = input.value.trim().toLowerCase();
      let first = null;
      Array.from(select.options).forEach((option) => {
        const show = !option.value || option.text.toLowerCase().includes(wanted);
        option.hidden = !show;
        if (show && option.value && first === null) {
          first = option;
        }
      });
      const chosen = select.options[select.selectedIndex];
      if (wanted && first && (!chosen || chosen.hidden || !chosen.value)) {
        select.value = first.value;
      }
    });
  });
});
