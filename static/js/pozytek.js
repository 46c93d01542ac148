// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Refuse an oversized file before it is sent (the server refuses it too).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) return;
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var message = document.getElementById(input.id + "-size-error");
    var tooBig = input.files && input.files[0] && input.files[0].size > max;
    input.setCustomValidity(tooBig ? input.getAttribute("data-max-message") : "");
    input.setAttribute("aria-invalid", tooBig ? "true" : "false");
    if (message) message.textContent = tooBig ? input.getAttribute("data-max-message") : "";
  });
  // Autosave status for htmx-saved sections.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var status = document.querySelector("[data-save-status]");
    if (status && event.detail.elt.closest("form[data-autosave]")) {
      status.className = "save-status saving";
      status.textContent = status.getAttribute("data-saving");
    }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = document.querySelector("[data-save-status]");
    if (status && event.detail.xhr.status !== 409) {
      status.className = "save-status failed";
      status.textContent = status.getAttribute("data-failed");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    var status = document.querySelector("[data-save-status]");
    if (status) { status.className = "save-status failed"; status.textContent = status.getAttribute("data-offline"); }
  });
  // Let 4xx fragments (conflicts, field errors) be swapped in like successes.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var code = event.detail.xhr.status;
    if (code === 400 || code === 409) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });
})();
