// SiapKop's few enhancements on top of htmx. Every page also works without this file.
(function () {
  "use strict";

  // A version 4 UUID; crypto.randomUUID exists only on https or localhost.
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)), h = "";
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    b.forEach(function (x) { h += (x + 256).toString(16).slice(1); });
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  function locate(event) {
    var form = event.target.form, status = form.querySelector("[data-location-status]");
    navigator.geolocation.getCurrentPosition(function (position) {
      var c = position.coords, metres = Math.round(c.accuracy);
      form.elements.latitude.value = c.latitude;
      form.elements.longitude.value = c.longitude;
      form.elements.accuracy_m.value = metres;
      status.textContent = status.dataset.found.replace("{m}", metres.toLocaleString(document.documentElement.lang));
    }, function () {
      status.textContent = status.dataset.failed;
    }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
  }

  // Show `message` where the reply to this request would have gone.
  function say(detail, message) {
    var target = detail.target, status;
    if (!target) return;
    status = target.classList.contains("status") ? target : target.querySelector(".status");
    if (!status) status = target.appendChild(document.createElement("p"));
    status.className = "status error";
    status.setAttribute("role", "alert");
    status.textContent = message;
  }

  htmx.onLoad(function (root) {
    // The browser names a new assessment, so a retried start opens the same one.
    root.querySelectorAll("[data-new-uuid]").forEach(function (input) { input.value = uuid(); });
    if (navigator.geolocation) {
      root.querySelectorAll("[data-locate]").forEach(function (button) {
        button.hidden = false;
        button.addEventListener("click", locate);
      });
    }
  });

  // No signal: say that the answer is not saved yet, instead of leaving the screen unchanged.
  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt.closest("[data-save-failed]");
    if (form) say(event.detail, form.dataset.saveFailed);
  });

  // A photo over the limit is refused before it is sent over a weak connection.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var input = event.detail.elt, file = input.files && input.files[0];
    if (file && file.size > Number(input.dataset.maxBytes)) {
      event.preventDefault();
      say(event.detail, input.dataset.tooLarge);
      input.value = "";
    }
  });
})();
