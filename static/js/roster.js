// The roster on a tablet (form[data-roster="<session id>"]).
// Walk-in counters: the + and − buttons are hidden until this script shows them; without it the number fields
// work alone. Ticks are never lost: every tick and count changed on this tablet is kept in localStorage under
// the session's id until a save succeeds. Save sends the form in the background; when the connection is down
// the page says so, keeps the ticks, and saves when the connection is back (or when Save is pressed again).
// When the server refuses the save, the form is sent the ordinary way so the page shows why, ticks still ticked.
(function () {
  "use strict";

  var form = document.querySelector("form[data-roster]");
  if (!form) {
    return;
  }
  var KEPT_FOR_MS = 24 * 60 * 60 * 1000;
  var key = "makerlab:roster:" + form.getAttribute("data-roster");
  var status = document.getElementById("roster-status");
  var walkInSaid = document.getElementById("walk-in-said");
  var saveButton = form.querySelector("button[type=submit]");
  var waitingForConnection = false;

  function store() {
    try {
      return window.localStorage;
    } catch (error) {
      return null;
    }
  }

  function readKept() {
    var storage = store();
    var kept = null;
    try {
      kept = storage && JSON.parse(storage.getItem(key) || "null");
    } catch (error) {
      kept = null;
    }
    if (!kept || !kept.ticks || !kept.counts || Date.now() - (kept.at || 0) > KEPT_FOR_MS) {
      return { ticks: {}, counts: {} };
    }
    return kept;
  }

  var kept = readKept();

  function keep() {
    var storage = store();
    kept.at = Date.now();
    try {
      if (storage) {
        storage.setItem(key, JSON.stringify(kept));
      }
    } catch (error) {
      // Storage full or refused: the ticks are still on the page.
    }
  }

  function forget() {
    var storage = store();
    if (storage) {
      storage.removeItem(key);
    }
  }

  function say(text, kind) {
    status.textContent = "";
    if (!text) {
      return;
    }
    var box = document.createElement("p");
    box.className = "alert alert-" + (kind || "info");
    box.textContent = text;
    status.appendChild(box);
  }

  function remember(field) {
    if (field.name === "present") {
      kept.ticks[field.value] = field.checked;
    } else if (field.name && field.name.indexOf("count_") === 0) {
      kept.counts[field.name] = field.value;
    } else {
      return;
    }
    keep();
  }

  form.addEventListener("change", function (event) {
    remember(event.target);
  });
  form.addEventListener("input", function (event) {
    remember(event.target);
  });

  // Ticks and counts kept from before (a lost connection, a refused save) go back on the form.
  var restored = false;
  Object.keys(kept.ticks).forEach(function (id) {
    var box = form.querySelector('input[name="present"][value="' + CSS.escape(id) + '"]');
    if (box && box.checked !== kept.ticks[id]) {
      box.checked = kept.ticks[id];
      restored = true;
    }
  });
  Object.keys(kept.counts).forEach(function (name) {
    var field = form.elements.namedItem(name);
    if (field && field.value !== kept.counts[name]) {
      field.value = kept.counts[name];
      restored = true;
    }
  });
  if (restored) {
    say("Ticks and counts kept on this tablet are back on the form. Press Save attendance to save them.", "info");
  }

  form.querySelectorAll("button[data-step]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-target"));
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var count = parseInt(field.value, 10);
      count = isNaN(count) ? 0 : count;
      count = Math.min(1000, Math.max(0, count + Number(button.getAttribute("data-step"))));
      field.value = String(count);
      remember(field);
      var label = form.querySelector('label[for="' + field.id + '"]');
      walkInSaid.textContent = (label ? label.textContent + ": " : "") + count;
    });
  });

  function notSaved() {
    waitingForConnection = true;
    saveButton.disabled = false;
    say(
      "Not saved yet: you are offline, your ticks are kept on this tablet. They are saved when the connection is back, or press Save attendance again.",
      "warning"
    );
  }

  function send() {
    if (!navigator.onLine) {
      notSaved();
      return;
    }
    waitingForConnection = false;
    saveButton.disabled = true;
    say("Saving…", "info");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      redirect: "manual",
    })
      .then(function (response) {
        if (response.type === "opaqueredirect" || (response.ok && response.redirected)) {
          forget();
          window.location.assign(window.location.pathname);
          return;
        }
        // Refused: the page explains why, with these ticks still ticked (and still kept here).
        form.setAttribute("data-send-plainly", "");
        form.submit();
      })
      .catch(notSaved);
  }

  form.addEventListener("submit", function (event) {
    if (form.hasAttribute("data-send-plainly") || !window.fetch || !window.FormData) {
      return;
    }
    event.preventDefault();
    keep();
    send();
  });

  window.addEventListener("online", function () {
    if (waitingForConnection) {
      send();
    }
  });
})();
