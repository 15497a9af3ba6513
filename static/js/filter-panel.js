/* The programs filter panel (templates/programs/_filters.html) is a closed <details> so that on a phone the
   programs come first. A wider screen has room for it: open it there (site.css also shows it without
   JavaScript in browsers that support ::details-content). */
(function () {
  "use strict";
  var panel = document.querySelector("[data-filter-panel]");
  if (panel && window.matchMedia("(min-width: 768px)").matches) {
    panel.open = true;
  }
})();
