// The pair comparison page: single keys move the focus to a decision, so a steward can work the
// queue from the keyboard. A key only focuses; Enter (or Space) then acts, so a stray key press
// never merges anything. Loaded with <script src> (the content security policy forbids inline
// scripts).
(() => {
  "use strict";

  const KEYS = {
    m: () => document.getElementById("merge-button"),
    n: () => document.getElementById("id_note"),
    j: () => document.getElementById("next-pair"),
  };

  const NOT_TEXT = ["radio", "checkbox", "submit", "button"];

  function typing(target) {
    const tag = (target.tagName || "").toLowerCase();
    if (tag === "input") return !NOT_TEXT.includes((target.type || "").toLowerCase());
    return ["textarea", "select"].includes(tag) || target.isContentEditable;
  }

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    const find = KEYS[event.key];
    const element = find && find();
    if (!element) return;
    event.preventDefault();
    element.focus();
  });
})();
