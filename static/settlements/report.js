// The report form's small helpers; the page works without them (each part has its "Save" button).
// Each part saves on its own: its status line says saving / saved / not saved, and a part whose
// save was refused keeps what was typed (the server answers with out-of-band pieces only).
(function () {
  "use strict";
  function statusOf(elt) {
    var form = elt && elt.closest ? elt.closest("form[data-part-autosave]") : null;
    return form ? form.querySelector("[data-part-status]") : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var status = statusOf(event.detail.elt);
    if (status) { status.className = "save-status saving"; status.textContent = status.getAttribute("data-saving"); }
  });
  // A refused save (400: too long, 409: a conflict) brings its message in out-of-band pieces only:
  // let them land, and never swap anything else (the server says so too: HX-Reswap: none), so the
  // forms and what was typed always stay on the page.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!statusOf(event.detail.elt)) return;
    var code = event.detail.xhr.status;
    if (code === 400 || code === 409) { event.detail.shouldSwap = true; event.detail.isError = false; }
    event.detail.swapOverride = "none";
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = statusOf(event.detail.elt);
    var code = event.detail.xhr.status;
    if (status && code !== 400 && code !== 409) {
      status.className = "save-status failed"; status.textContent = status.getAttribute("data-failed");
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var status = statusOf(event.detail.elt);
    if (status) { status.className = "save-status failed"; status.textContent = status.getAttribute("data-offline"); }
  });
  // a conflict or an error summary that arrives is focused, so a screen reader reads it
  document.addEventListener("htmx:afterSettle", function () {
    var box = document.querySelector("[data-focus-on-swap]:not([data-focused]), .error-summary:not([data-focused])");
    if (box && box.closest("#part-ii, [id^=conflict-]")) { box.setAttribute("data-focused", "1"); box.focus(); }
  });
})();
