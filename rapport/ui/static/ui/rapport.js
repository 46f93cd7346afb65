// Keyboard: "/" focuses the customer search from anywhere except form fields.
document.addEventListener("keydown", (event) => {
  const tag = (event.target.tagName || "").toLowerCase();
  if (event.key === "/" && !["input", "textarea", "select"].includes(tag)) {
    const box = document.getElementById("search-q") || document.getElementById("nav-search");
    if (box) { event.preventDefault(); box.focus(); }
  }
});
