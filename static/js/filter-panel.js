// Filter panels (<details data-open-on-wide-screens>) stay open on wide screens and fold behind their
// "Filter" summary on narrow ones, so that results come first on a phone. Without JavaScript the panel
// starts folded everywhere and its summary opens it. Include it right after the panels it opens.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 768px)");

  function fit() {
    document.querySelectorAll("details[data-open-on-wide-screens]").forEach(function (panel) {
      var summary = panel.querySelector("summary");
      panel.open = wide.matches;
      if (summary) {
        summary.hidden = wide.matches;
      }
    });
  }

  fit();
  wide.addEventListener("change", fit);
})();
