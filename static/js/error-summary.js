/* The error summary (templates/_error_summary.html): focus it when the page comes back with problems, so
   keyboard and screen reader users start from the list of what to fix. A link in it focuses its field and
   scrolls so the field's question (its label, or the legend of its group of choices) is in view too. */
(function () {
  "use strict";

  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }

  function question(field) {
    var group = field.closest("fieldset");
    var legend = group && group.querySelector("legend");
    var isChoice = field.type === "radio" || field.type === "checkbox";
    if (legend && (isChoice || !field.labels || !field.labels.length)) {
      return legend;
    }
    return field.labels && field.labels.length ? field.labels[0] : field;
  }

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) {
      return;
    }
    event.preventDefault();
    question(field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });

  summary.focus();
})();
