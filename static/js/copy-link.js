// "Copy link" buttons (data-copy-link="<id of a read-only field>"): hidden until this script shows them, so
// without JavaScript the field alone is there to select and copy. The outcome is said in the status element
// named by data-copy-status, which screen readers announce.
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

  document.querySelectorAll("button[data-copy-link]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-link"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field) {
      return;
    }

    function say(copied) {
      if (status) {
        status.textContent = copied
          ? "Link copied. You can paste it into a message or an email."
          : "We could not copy the link. Select it above, then copy it.";
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
