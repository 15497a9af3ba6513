// "Copy" buttons of the newsletter digest (data-copy-source="<id of a read-only text box>"): hidden until this
// script shows them, so without JavaScript the text box alone is there to select and copy. The outcome is said
// in the status element named by data-copy-status, which screen readers announce.
(function () {
  "use strict";

  function copyBySelection(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.querySelectorAll("button[data-copy-source]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-source"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field) {
      return;
    }

    function say(copied) {
      if (status) {
        status.textContent = copied
          ? "Copied. Paste it into the newsletter tool."
          : "We could not copy it. Click in the box, select everything, then copy.";
      }
    }

    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(
          function () {
            say(true);
          },
          function () {
            say(copyBySelection(field));
          }
        );
      } else {
        say(copyBySelection(field));
      }
    });
    button.hidden = false;
  });
})();
