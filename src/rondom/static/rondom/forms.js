// Forms: the error summary gets the focus when the page opens, and a link in it moves the focus to its field
// (the first input of a group of checkboxes or radio buttons). Without this script the links still scroll to the
// fields. Loaded from base.html; no inline script (strict Content-Security-Policy).
(function () {
  "use strict";
  function focusField(id) {
    var target = document.getElementById(id);
    if (!target) return false;
    if (!/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) {
      target = target.querySelector("input, select, textarea") || target;
    }
    target.focus();
    return document.activeElement === target;
  }
  function init() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("[data-error-link]") : null;
      if (link && focusField(link.getAttribute("data-error-link"))) event.preventDefault();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
