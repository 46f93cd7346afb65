// "Between contacts": the desktop panel that brings briefings, review questions, modules and
// polls while the agent is free, and the weekly review chart of "My review questions".
// Loaded with <script src> (the content security policy forbids inline scripts).
//
// The server decides what comes and when (never during a contact); this script only asks at the
// right moments and stops the clock at once when a contact pops. Its own rule follows the
// server's: idle and wrap-up are free (the contact being wrapped up stays on the desktop, and that
// does not make the agent busy); available is free while no contact is shown undone (a call
// ringing or answered); anything else is busy. A call ringing in idle or wrap-up, and contacts
// waiting in the team's queue, only the server sees for sure: its answer then is marked
// data-idle-busy.
// * it asks when the agent becomes free, and every REFRESH_MS while free, also while an activity
//   is shown (then with ?shown=<id>, so the server starts nothing new meanwhile);
// * a shown activity is never swapped away by an ask: when the server gives it back the shown one
//   stays as it is, answers and all, with the server's time left; when the server says a contact
//   needs the agent the panel hides (the server paused the activity; it comes back the same);
//   a card whose time ran out or whose result the agent reads stays until the agent moves on;
// * when the time box runs out the card stays: "Time's up" offers Finish (keep going, answers
//   still count) and Later (set it aside);
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

  // The agent is finishing the card after its time ran out, or reading its result.
  function cardSettled(shown) {
    return (
      shown.dataset.timeUp === "true" ||
      Boolean(shown.querySelector("#idle-card-slot [data-card-done], #idle-card-slot [data-card-result]"))
    );
  }

  function isFree(state, pop) {
    return ALWAYS_FREE.includes(state) || (state === "available" && !pop);
  }

  function stopClock() {
    window.clearInterval(tickTimer);
    tickTimer = null;
  }

  function hide() {
    section.dataset.state = "paused";
    panel.hidden = true;
    if (note) note.hidden = false;
    stopClock();
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

  function showClock(shown, left) {
    shown.dataset.secondsLeft = String(left);
    const bar = shown.querySelector("progress");
    if (bar) bar.value = left;
    const clock = shown.querySelector("[data-idle-clock]");
    if (clock) clock.textContent = `${left} s`;
  }

  // The same activity back from the server: keep what is shown, take the server's time left.
  function keepShown(incoming) {
    const shown = activityShown();
    if (!shown || !incoming || incoming.dataset.activity !== shown.dataset.activity) return false;
    const left = Number(incoming.dataset.secondsLeft || 0);
    showClock(shown, left);
    if (left > 0 && shown.dataset.timeUp === "true") {
      delete shown.dataset.timeUp;
      const notice = shown.querySelector("[data-idle-timeup]");
      if (notice) notice.hidden = true;
    }
    return true;
  }

  // The time box ran out: the card stays, half-given answers and all; the agent finishes it
  // (the answers still count) or sets it aside.
  function timeUp(shown) {
    shown.dataset.timeUp = "true";
    const notice = shown.querySelector("[data-idle-timeup]");
    if (notice) notice.hidden = false;
    const choice = shown.querySelector("[data-idle-timeup-choice]");
    if (choice) choice.hidden = shown.dataset.finishing === "true";
  }

  function startClock() {
    stopClock();
    const shown = activityShown();
    if (!shown || shown.querySelector("#idle-card-slot [data-card-done]")) return;
    if (Number(shown.dataset.secondsLeft || 0) <= 0) {
      timeUp(shown);
      return;
    }
    tickTimer = window.setInterval(() => {
      const left = Math.max(0, Number(shown.dataset.secondsLeft || 0) - 1);
      showClock(shown, left);
      if (left <= 0) {
        stopClock();
        timeUp(shown);
      }
    }, 1000);
  }

  function swapIn(html) {
    if (window.htmx) {
      window.htmx.swap(panel, html, { swapStyle: "innerHTML" });
    } else {
      panel.innerHTML = html;
    }
  }

  async function refresh() {
    if (loading || document.hidden) return;
    if (!isFree(agentState(), currentPop())) {
      hide();
      return;
    }
    loading = true;
    const shown = activityShown();
    let askAgain = false;
    try {
      const ask = shown ? `${url}?shown=${encodeURIComponent(shown.dataset.activity)}` : url;
      const response = await fetch(ask, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { "HX-Request": "true", Accept: "text/html" },
      });
      if (!response.ok) return;
      const html = await response.text();
      const parsed = document.createElement("template");
      parsed.innerHTML = html;
      if (parsed.content.querySelector("[data-idle-busy]")) {
        hide(); // a contact needs the agent: the server paused what is shown; it comes back
        return;
      }
      if (activityShown() !== shown) return; // the agent moved on meanwhile: theirs is newer
      if (!keepShown(parsed.content.querySelector("[data-activity]"))) {
        if (shown && cardSettled(shown)) {
          show();
          return;
        }
        swapIn(html);
        // The one shown is over (done or taken back elsewhere): ask for what comes next.
        askAgain = Boolean(shown);
      }
      show();
    } catch (error) {
      // A dropped connection: the next tick asks again.
    } finally {
      loading = false;
    }
    if (askAgain) refresh();
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
      stopClock();
      const notice = panel.querySelector("[data-idle-timeup]");
      if (notice) notice.hidden = true;
      next.focus();
    }
  }

  // "Finish" after the time ran out: keep going with the card, in the card.
  panel.addEventListener("click", (event) => {
    if (!event.target.closest("[data-idle-finish]")) return;
    const shown = activityShown();
    if (!shown) return;
    shown.dataset.finishing = "true";
    timeUp(shown);
    const field = shown.querySelector(
      "#idle-card-slot input:not([type=hidden]), #idle-card-slot textarea, #idle-card-slot select, #idle-card-slot button"
    );
    if (field) field.focus();
  });

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

  window.setInterval(() => {
    check();
    if (wasFree) refresh();
  }, REFRESH_MS);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) check();
  });

  check();
})();
