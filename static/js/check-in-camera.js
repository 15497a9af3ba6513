// The check-in page's "Scan with the camera" button: shown only where the browser can read QR codes itself
// (BarcodeDetector) and has a camera. It fills the code field with what the camera reads and sends the form,
// as a USB scanner would. Without it, the field and a scanner (or the keyboard) do the same job.
(function () {
  "use strict";

  var form = document.querySelector("[data-check-in-form]");
  if (!form) {
    return;
  }
  var field = form.querySelector("input[name=code]");
  var button = form.querySelector("[data-check-in-camera]");
  var view = form.querySelector("[data-check-in-camera-view]");
  var status = form.querySelector("[data-check-in-camera-status]");
  var video = view ? view.querySelector("video") : null;

  // A code with a problem stays in the field, selected, so the next scan replaces it.
  if (field && field.value && document.activeElement === field) {
    field.select();
  }

  if (!button || !video || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }

  var stream = null;

  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
      stream = null;
    }
    view.hidden = true;
    button.textContent = "Scan with the camera";
  }

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function scan(detector) {
    if (!stream) {
      return;
    }
    detector
      .detect(video)
      .then(function (codes) {
        if (codes.length && stream) {
          field.value = codes[0].rawValue;
          say("Code read. Finding it…");
          stop();
          form.submit();
          return;
        }
        window.setTimeout(function () {
          scan(detector);
        }, 250);
      })
      .catch(function () {
        window.setTimeout(function () {
          scan(detector);
        }, 500);
      });
  }

  window.BarcodeDetector.getSupportedFormats()
    .then(function (formats) {
      if (formats.indexOf("qr_code") === -1) {
        return;
      }
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      button.hidden = false;
      button.addEventListener("click", function () {
        if (stream) {
          stop();
          field.focus();
          return;
        }
        navigator.mediaDevices
          .getUserMedia({ video: { facingMode: "environment" }, audio: false })
          .then(function (camera) {
            stream = camera;
            video.srcObject = camera;
            view.hidden = false;
            button.textContent = "Stop the camera";
            say("Hold the QR code in front of the camera.");
            return video.play().then(function () {
              scan(detector);
            });
          })
          .catch(function () {
            stop();
            say("The camera could not be used. Use the scanner or type the code instead.");
            view.hidden = false;
          });
      });
    })
    .catch(function () {});
})();
