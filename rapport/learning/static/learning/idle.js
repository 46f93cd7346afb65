// "Between contacts": the desktop panel that brings briefings, review questions, modules and
// polls while the agent is free, and the weekly review chart of "My review questions".
// Loaded with <script src> (the content security policy forbids inline scripts).
//
// The server decides what comes and when (never during a contact); this script only asks at the
// right moments and stops the clock at once when a contact pops. Its rule is the server's:
// idle and wrap-up are free (the contact being wrapped up stays on the desktop, and that does not
// make the agent busy); available is free while no contact is shown undone (a call ringing or
// answered); anything else is busy. Contacts waiting in the queue only the server sees: it answers
// "Nothing waiting" then.
// * it asks when the agent becomes free, and every REFRESH_MS while the panel is empty;
// * it never refreshes an activity that is shown (that would wipe half-given answers) except
//   when its time box runs out; when the server gives back the activity already shown (resumed
//   after a contact), the shown one stays as it is, answers and all, with the clock restarted;
// * a new contact in #current-contact, or a state that is not free, hides the panel and tells
//   the server to pause (idle/pause/).
(() => {
  "use strict";

  const ALWAYS_FREE = ["idle", "wrap_up"];
  const REFRESH_MS = 20000;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // --- The weekly review chart -------------------------------------------------------------

  function drawCharts(root) {
    if (!window.Chart || !root || !root.querySelectorAll) return;
    root.querySelectorAll("canvas[data-review-chart]").forEach((canvas) => {
      if (window.Chart.getChart(canvas)) return;
      const source = document.getElementById(canvas.dataset.reviewChart);
      if (!source) return;
      const data = JSON.parse(source.textContent);
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            { label: "Right", data: data.right, backgroundColor: "#2e7d32" },
            { label: "Wrong", data: data.wrong, backgroundColor: "#c62828" },
          ],
        },
        options: {
          animation: false,
          scales: { x: { stacked: true }, y: { stacked: true, ticks: { precision: 0 } } },
        },
      });
    });
  }

  window.addEventListener("load", () => drawCharts(document));
  document.addEventListener("htmx:load", (event) => drawCharts(event.detail.elt));

  // --- The idle panel ----------------------------------------------------------------------

  const section = document.getElementById("idle");
  const panel = document.getElementById("idle-panel");
  if (!section || !panel) return;

  const url = section.dataset.url;
  const pauseUrl = section.dataset.pauseUrl;
  const note = document.getElementById("idle-paused");
  let refreshTimer = null;
  let tickTimer = null;
  let loading = false;
  let lastPop = currentPop();
  let wasFree = null;

  function agentState() {
    const select = document.querySelector("#state-form select[name=state]");
    if (!select) return "";
    const chosen = select.querySelector("option[selected]");
    return chosen ? chosen.value : select.value;
  }

  function currentPop() {
    const contact = document.querySelector("#current-contact [data-contact]");
    if (!contact || contact.querySelector("[data-done]")) return "";
    return contact.dataset.pop || contact.dataset.contact || "";
  }

  function activityShown() {
    return panel.querySelector("[data-activity]");
  }

  function isFree(state, pop) {
    return ALWAYS_FREE.includes(state) || (state === "available" && !pop);
  }

  function hide() {
    section.dataset.state = "paused";
    panel.hidden = true;
    if (note) note.hidden = false;
    window.clearInterval(tickTimer);
    tickTimer = null;
  }

  function pause() {
    hide();
    if (!pauseUrl) return;
    fetch(pauseUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
    }).catch(() => {});
  }

  function show() {
    section.dataset.state = activityShown() ? "active" : "empty";
    panel.hidden = false;
    if (note) note.hidden = true;
    startClock();
  }

  // The same activity back from the server: keep what is shown, take the server's time left.
  function keepShown(incoming) {
    const shown = activityShown();
    if (!shown || !incoming || incoming.dataset.activity !== shown.dataset.activity) return false;
    const left = incoming.dataset.secondsLeft || "0";
    shown.dataset.secondsLeft = left;
    const bar = shown.querySelector("progress");
    if (bar) bar.value = Number(left);
    const clock = shown.querySelector("[data-idle-clock]");
    if (clock) clock.textContent = `${left} s`;
    return true;
  }

  function startClock() {
    window.clearInterval(tickTimer);
    tickTimer = null;
    const shown = activityShown();
    if (!shown) return;
    let left = Number(shown.dataset.secondsLeft || 0);
    const bar = shown.querySelector("progress");
    const clock = shown.querySelector("[data-idle-clock]");
    tickTimer = window.setInterval(() => {
      left = Math.max(0, left - 1);
      if (bar) bar.value = left;
      if (clock) clock.textContent = `${left} s`;
      if (left <= 0) {
        window.clearInterval(tickTimer);
        tickTimer = null;
        refresh();
      }
    }, 1000);
  }

  async function refresh() {
    if (loading || document.hidden) return;
    if (!isFree(agentState(), currentPop())) {
      hide();
      return;
    }
    loading = true;
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { "HX-Request": "true", Accept: "text/html" },
      });
      if (response.ok) {
        const html = await response.text();
        const parsed = document.createElement("template");
        parsed.innerHTML = html;
        if (!keepShown(parsed.content.querySelector("[data-activity]"))) {
          if (window.htmx) {
            window.htmx.swap(panel, html, { swapStyle: "innerHTML" });
          } else {
            panel.innerHTML = html;
          }
        }
        show();
      }
    } catch (error) {
      // A dropped connection: the next tick asks again.
    } finally {
      loading = false;
    }
  }

  function check() {
    const pop = currentPop();
    if (pop && pop !== lastPop) {
      lastPop = pop;
      pause();
      return;
    }
    lastPop = pop;
    const free = isFree(agentState(), pop);
    if (free !== wasFree) {
      wasFree = free;
      if (free) {
        refresh();
      } else {
        pause();
      }
    }
  }

  // A card that is done (understood, passed, answered) offers Next, which asks for what comes
  // after it; the agent reads the result first, so nothing moves on by itself.
  function offerNext() {
    const next = panel.querySelector("[data-idle-next]");
    if (!next) return;
    const done = Boolean(panel.querySelector("#idle-card-slot [data-card-done]"));
    next.hidden = !done;
    if (done) {
      window.clearInterval(tickTimer);
      tickTimer = null;
      next.focus();
    }
  }

  // Swaps by htmx inside the panel (next question, a card's own forms) restart the clock.
  panel.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === panel) {
      section.dataset.state = activityShown() ? "active" : "empty";
      startClock();
    }
    offerNext();
  });

  const watched = [document.getElementById("desk-state"), document.getElementById("current-contact")];
  const observer = new MutationObserver(check);
  watched.forEach((node) => {
    if (node) observer.observe(node, { childList: true, subtree: true, attributes: true });
  });

  refreshTimer = window.setInterval(() => {
    if (!activityShown() && !panel.hidden) refresh();
    else check();
  }, REFRESH_MS);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) check();
  });

  check();
})();
