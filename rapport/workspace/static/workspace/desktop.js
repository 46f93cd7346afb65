// The agent desktop: screen pops, dialogs and keyboard shortcuts.
// Loaded with <script src> (the content security policy forbids inline scripts).
(() => {
  "use strict";

  const desk = document.getElementById("desktop");
  if (!desk) return;

  const POLL_MS = 700;
  const popUrl = desk.dataset.popUrl;
  let after = Number(desk.dataset.after || 0);
  let timer = null;
  let polling = false;
  let stopped = false;
  let lastStart = 0;

  const area = () => document.getElementById("current-contact");

  function announce(text) {
    const region = document.getElementById("desk-announce");
    if (!region) return;
    region.textContent = "";
    // A fresh text node after a tick is announced even when the words repeat.
    window.setTimeout(() => { region.textContent = text; }, 50);
  }

  // --- Screen pop: ask every POLL_MS while the tab is visible -------------------------------

  function schedule() {
    window.clearTimeout(timer);
    timer = null;
    // Polls start POLL_MS apart, however long the last answer took.
    const wait = Math.max(0, POLL_MS - (performance.now() - lastStart));
    if (!stopped && !document.hidden) timer = window.setTimeout(poll, wait);
  }

  function show(html) {
    const target = area();
    if (window.htmx) {
      // htmx.swap also applies the out-of-band parts (agent state) and wires up hx- attributes.
      window.htmx.swap(target, html, { swapStyle: "innerHTML" });
    } else {
      target.innerHTML = html;
    }
    const contact = target.querySelector("[data-caller]");
    if (contact) announce(`Incoming contact: ${contact.dataset.caller}`);
  }

  async function poll() {
    timer = null;
    if (polling || stopped || document.hidden) return;
    polling = true;
    lastStart = performance.now();
    try {
      const response = await fetch(`${popUrl}?after=${after}`, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { "HX-Request": "true", Accept: "text/html" },
      });
      const popId = Number(response.headers.get("X-Rapport-Pop") || 0);
      if (response.redirected || response.status === 401 || response.status === 403) {
        // Logged out or no longer allowed: a reload shows the login page; stop asking.
        stopped = true;
      } else if (response.status === 200 && popId > after) {
        const html = await response.text();
        after = popId;
        show(html);
      }
    } catch (error) {
      // A dropped connection: try again on the next tick.
    } finally {
      polling = false;
      schedule();
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) {
      window.clearTimeout(timer);
      timer = null;
    } else if (!polling) {
      poll();
    }
  });

  // --- Dialogs ----------------------------------------------------------------------------

  function focusFirstField(container) {
    const first =
      container.querySelector("[aria-invalid='true']") ||
      container.querySelector(
        "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])"
      ) ||
      container.querySelector("button:not([disabled])");
    if (first) first.focus();
  }

  // A screen pop's dialogs arrive just after it; a dialog asked for before then opens on arrival.
  let pendingDialog = "";

  function openDialog(id) {
    const dialog = document.getElementById(id);
    if (!dialog) {
      if (!document.querySelector("#contact-dialogs[hx-get]")) return false;
      pendingDialog = id;
      return true;
    }
    pendingDialog = "";
    if (dialog.open) return false;
    dialog.showModal();
    focusFirstField(dialog);
    return true;
  }

  document.body.addEventListener("htmx:load", (event) => {
    const elt = event.detail.elt;
    if (!elt || elt.id !== "contact-dialogs" || elt.hasAttribute("hx-get")) return;
    const wanted = pendingDialog;
    pendingDialog = "";
    if (wanted && document.getElementById(wanted)) openDialog(wanted);
  });

  function openMarkedDialogs() {
    document.querySelectorAll("dialog[data-open]").forEach((dialog) => {
      dialog.removeAttribute("data-open");
      if (!dialog.open) dialog.showModal();
      focusFirstField(dialog);
    });
  }

  desk.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-dialog]");
    if (opener && !opener.disabled) {
      event.preventDefault();
      openDialog(opener.dataset.dialog);
      return;
    }
    const focuser = event.target.closest("[data-focus]");
    if (focuser) {
      const field = document.getElementById(focuser.dataset.focus);
      if (field) field.focus();
      return;
    }
    const closer = event.target.closest("[data-close]");
    if (closer) {
      const dialog = closer.closest("dialog");
      if (dialog) dialog.close();
    }
  });

  // A refused form comes back as 400 (or 403/409) with its errors: show it in place of the old one.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if ([400, 403, 409].includes(status) && desk.contains(event.detail.target)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== area()) return;
    if (document.querySelector("dialog[data-open]")) {
      openMarkedDialogs();
      return;
    }
    // Announced through the page's one live region: a region swapped in is not reliably read.
    const done = area().querySelector("[data-done]");
    if (done) announce(done.textContent.trim());
    const heading = document.getElementById("caller-heading");
    if (heading) heading.focus();
  });

  // --- Agent state ------------------------------------------------------------------------

  function toggleAvailable() {
    const form = document.getElementById("state-form");
    const select = form && form.querySelector("select[name=state]");
    if (!select) return;
    select.value = select.value === "available" ? "break" : "available";
    announce(select.value === "available" ? "Going available" : "Going on a break");
    if (window.htmx) {
      // Sent through htmx directly: a form swapped in a moment ago is not wired up until htmx
      // settles it, and a plain submit would leave the desktop.
      window.htmx.ajax("POST", form.getAttribute("hx-post") || form.action, {
        source: form,
        target: form,
        swap: "outerHTML",
      });
    } else {
      form.requestSubmit();
    }
  }

  // --- Keyboard shortcuts -----------------------------------------------------------------

  function typing(target) {
    if (!target || !target.tagName) return false;
    const tag = target.tagName.toLowerCase();
    return ["input", "textarea", "select"].includes(tag) || target.isContentEditable;
  }

  const SHORTCUTS = {
    n: () => {
      const field = document.getElementById("note_text");
      if (!field) return false;
      field.focus();
      return true;
    },
    w: () => openDialog("wrap-up-dialog"),
    e: () => openDialog("escalate-dialog"),
    r: () => openDialog("reply-dialog"),
    a: () => { toggleAvailable(); return true; },
    "/": () => {
      const box = document.getElementById("desk-search");
      if (!box) return false;
      box.focus();
      return true;
    },
    "?": () => openDialog("shortcuts-dialog"),
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented && event.key !== "/") return;
    if (typing(event.target) || document.querySelector("dialog[open]")) return;
    const action = SHORTCUTS[event.key];
    if (action && action() !== false) event.preventDefault();
  });

  openMarkedDialogs();
  poll();
})();
