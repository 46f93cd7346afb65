// The case page and the agent desktop. No inline scripts (CSP): behaviour lives here.

// A successful escalation answers with the "caseUpdated" event; its dialog is then done.
document.addEventListener("caseUpdated", (event) => {
  const id = event.detail && event.detail.case;
  const dialog = id && document.getElementById(`escalate-dialog-${id}`);
  if (dialog && window.bootstrap) {
    window.bootstrap.Modal.getOrCreateInstance(dialog).hide();
  }
});

// A hand-off refused after a full-page post comes back with its errors: show the dialog again.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".modal[data-show-on-load]").forEach((dialog) => {
    if (window.bootstrap) {
      window.bootstrap.Modal.getOrCreateInstance(dialog).show();
    }
  });
});
