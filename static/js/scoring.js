// The committee's pages. Every page works without this file: the sheet is saved with "Save",
// offers are reached by their links and the proposals' sums are shown after saving. With it:
// Alt+N / Alt+P move to the next / previous offer (saving first), a comment is marked
// required as soon as a score falls below the committee's threshold, the total follows the
// typing, arrow keys step the points, and the chair sees the proposals' sum per task live.
// Numbers are handled in hundredths (integers), never as floats.
(function () {
  "use strict";

  function parseHundredths(text) {
    if (text === null || text === undefined) return null;
    var t = String(text).replace(/[\u00a0\u202f\u2009 ]/g, "").replace(/zł|zl/gi, "").trim();
    if (!t) return null;
    if (t.indexOf(",") >= 0 && t.indexOf(".") >= 0) t = t.replace(/\./g, "").replace(",", ".");
    else t = t.replace(",", ".");
    var m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(t);
    if (!m) return null;
    return parseInt(m[1], 10) * 100 + parseInt(((m[2] || "") + "00").slice(0, 2), 10);
  }
  function formatPoints(h) {
    var whole = Math.floor(h / 100), frac = h % 100;
    if (!frac) return String(whole);
    var f = String(frac).padStart(2, "0").replace(/0$/, "");
    return whole + "," + f;
  }
  function formatMoney(h) {
    var sign = h < 0 ? "-" : "";
    h = Math.abs(h);
    var whole = String(Math.floor(h / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
    return sign + whole + "," + String(h % 100).padStart(2, "0") + "\u00a0zł";
  }

  // --- the score sheet -----------------------------------------------------------------------------
  var sheet = document.querySelector("form[data-score-form]");
  var dirty = false, saving = false, leaving = null, submitting = false, pendingSubmit = null;

  function pointsInputs() { return sheet ? sheet.querySelectorAll("input[data-points]") : []; }

  function markRequired(input) {
    var comment = document.getElementById(input.getAttribute("data-comment"));
    if (!comment) return;
    var value = parseHundredths(input.value);
    var threshold = parseHundredths(input.getAttribute("data-threshold").replace(/(\.\d\d)\d+$/, "$1"));
    var required = value !== null && threshold !== null && value < threshold;
    var marker = comment.parentNode.querySelector("[data-required-marker]");
    if (marker) marker.hidden = !required;
    if (required) comment.setAttribute("aria-required", "true");
    else comment.removeAttribute("aria-required");
  }
  function updateTotal() {
    var out = document.querySelector("[data-sheet-total]");
    if (!out) return;
    var total = 0;
    pointsInputs().forEach(function (input) {
      var v = parseHundredths(input.value);
      if (v !== null) total += v;
    });
    out.textContent = formatPoints(total);
  }
  function go(href) {
    if (!sheet || !window.htmx || (!dirty && !saving)) { window.location.href = href; return; }
    // save what was typed first, then move on
    leaving = href;
    if (dirty && !saving) window.htmx.trigger(sheet, "change");
  }

  if (sheet) {
    sheet.addEventListener("input", function (event) {
      dirty = true;
      if (event.target.matches("input[data-points]")) { markRequired(event.target); updateTotal(); }
    });
    sheet.addEventListener("keydown", function (event) {
      var input = event.target;
      if (!input.matches("input[data-points]") || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      var step = parseHundredths(input.getAttribute("data-step")) || 100;
      var max = parseHundredths(input.getAttribute("data-max")) || 0;
      var value = parseHundredths(input.value);
      if (value === null) value = event.key === "ArrowUp" ? -step : max + step;
      value = Math.round(value / step) * step + (event.key === "ArrowUp" ? step : -step);
      value = Math.max(0, Math.min(max, value));
      input.value = formatPoints(value);
      event.preventDefault();
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt !== sheet) return;
      // the page is being submitted (which saves everything): no autosave races it
      if (submitting) { event.preventDefault(); return; }
      saving = true; dirty = false;
    });
    document.body.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt !== sheet) return;
      saving = false;
      if (pendingSubmit) {
        var submitter = pendingSubmit.submitter;
        pendingSubmit = null;
        if (submitter) sheet.requestSubmit(submitter); else sheet.requestSubmit();
        return;
      }
      if (!leaving || leaving === "submit" || dirty) return;
      var box = sheet.querySelector(".criterion-messages[data-invalid=true]");
      if (box || (event.detail.xhr && event.detail.xhr.status >= 400)) {
        // something typed was not saved: stay, and show where
        leaving = null;
        var invalid = box && box.closest("fieldset").querySelector("input[data-points]");
        if (invalid) invalid.focus();
        return;
      }
      var href = leaving; leaving = null; window.location.href = href;
    });
    // after an autosave, mark the fields whose scores were refused
    document.body.addEventListener("htmx:afterSettle", function () {
      sheet.querySelectorAll(".criterion-messages").forEach(function (box) {
        var invalid = box.getAttribute("data-invalid") === "true";
        var fieldset = box.closest("fieldset");
        var input = fieldset && fieldset.querySelector("input[data-points]");
        if (!input) return;
        if (invalid) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
        fieldset.classList.toggle("has-error", invalid);
      });
    });
    window.addEventListener("beforeunload", function (event) {
      if ((dirty || saving) && !leaving) { event.preventDefault(); event.returnValue = ""; }
    });
    sheet.addEventListener("submit", function (event) {
      if (saving) {
        // leaving the field saved it just now: submit once that save has answered
        event.preventDefault();
        pendingSubmit = { submitter: event.submitter || null };
        return;
      }
      submitting = true; dirty = false; leaving = "submit";
    });
    pointsInputs().forEach(markRequired);
  }

  // Alt+N / Alt+P: the next / previous offer. AltGr (Polish letters: AltGr+N is "ń") and an
  // Option key that types a character in a text field are left alone.
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.getModifierState && event.getModifierState("AltGraph")) return;
    var code = event.code === "KeyN" ? "n" : event.code === "KeyP" ? "p" : null;
    if (!code) return;
    var editable = event.target.matches && event.target.matches("input, textarea, select, [contenteditable]");
    if (editable && String(event.key).toLowerCase() !== code) return;
    var link = document.querySelector("a[data-shortcut='" + code + "']");
    if (!link) return;
    event.preventDefault();
    go(link.href);
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-shortcut]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    if (dirty || saving) { event.preventDefault(); go(link.href); }
  });

  // --- wide tables: a table that scrolls sideways must be reachable by keyboard (WCAG 2.1.1) -------
  function labelFor(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    for (var el = wrap.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[2-6]$/.test(el.tagName)) return el.textContent.trim();
    }
    var section = wrap.closest("section");
    var heading = section && section.querySelector("h2, h3");
    return heading ? heading.textContent.trim() : "";
  }
  function reachableTables() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        if (!wrap.hasAttribute("tabindex")) {
          wrap.setAttribute("tabindex", "0");
          wrap.setAttribute("role", "region");
          var label = labelFor(wrap);
          if (label) wrap.setAttribute("aria-label", label);
          wrap.setAttribute("data-made-reachable", "");
        }
      } else if (wrap.hasAttribute("data-made-reachable")) {
        ["tabindex", "role", "aria-label", "data-made-reachable"].forEach(function (a) { wrap.removeAttribute(a); });
      }
    });
  }
  reachableTables();
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(reachableTables, 150);
  });

  // --- the chair's proposals: the sum per task as it is typed --------------------------------------
  function updateSum(form) {
    var out = form.querySelector("[data-area-sum]");
    var budget = parseHundredths(form.getAttribute("data-budget"));
    if (!out || budget === null) return;
    var sum = 0;
    form.querySelectorAll("input[data-amount]").forEach(function (input) {
      var v = parseHundredths(input.value);
      if (v !== null) sum += v;
    });
    var over = sum > budget;
    var template = out.getAttribute(over ? "data-template-over" : "data-template-ok");
    out.textContent = template.replace("{sum}", formatMoney(sum)).replace("{budget}", formatMoney(budget))
      .replace("{left}", formatMoney(budget - sum)).replace("{over}", formatMoney(sum - budget));
    out.classList.toggle("over", over);
  }
  var timers = new WeakMap();
  document.querySelectorAll("form[data-proposals]").forEach(function (form) {
    updateSum(form);
    form.addEventListener("input", function (event) {
      if (!event.target.matches("input[data-amount]")) return;
      clearTimeout(timers.get(form));
      timers.set(form, setTimeout(function () { updateSum(form); }, 500));
    });
  });
})();
