// "Copy" buttons (data-copy="<id of a read-only field or text box>"): hidden until this script shows them, so
// without JavaScript the field alone is there to select and copy. The outcome is said in the status element
// named by data-copy-status, which screen readers announce, in the button's data-copied or data-not-copied words.
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

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field) {
      return;
    }

    function say(copied) {
      if (status) {
        status.textContent = copied
          ? button.getAttribute("data-copied") || "Copied."
          : button.getAttribute("data-not-copied") || "We could not copy it. Select it, then copy it.";
      }
    }

    field.addEventListener("focus", function () {
      field.select();
    });
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
