// The offer form's small helpers. Every page works without them: rows are added and removed
// by the "add"/"remove" submit buttons and sums are shown after saving. With them, rows are
// added in place, sums follow the typing, and the server's answer to each autosave puts the
// problems at their fields. Amounts are computed in integer grosze (BigInt), never floats.
(function () {
  "use strict";

  function form() { return document.getElementById("section-form"); }

  // --- money ----------------------------------------------------------------------------------
  function parseAmount(text) {
    if (text === null || text === undefined) return null;
    var t = String(text).replace(/[\u00a0\u202f ]/g, "").replace(/zł|zl/gi, "").trim();
    if (!t) return null;
    if (t.indexOf(",") >= 0 && t.indexOf(".") >= 0) t = t.replace(/\./g, "").replace(",", ".");
    else t = t.replace(",", ".");
    var m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(t);
    if (!m) return null;
    return BigInt(m[1]) * BigInt(100) + BigInt(((m[2] || "") + "00").slice(0, 2));
  }
  function formatAmount(cents) {
    if (cents === null) return "—";
    var whole = (cents / BigInt(100)).toString();
    var grosze = (cents % BigInt(100)).toString().padStart(2, "0");
    return whole.replace(/\B(?=(\d{3})+(?!\d))/g, " ") + "," + grosze + " zł";
  }
  function percent(part, total) {
    if (!total) return "0,00 %";
    var hundredths = (part * BigInt(20000) + total) / (BigInt(2) * total);
    return (hundredths / BigInt(100)).toString() + "," + (hundredths % BigInt(100)).toString().padStart(2, "0") + " %";
  }
  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && el.textContent !== text) el.textContent = text;
  }

  // --- V.A: line values, subtotals and totals as you type ------------------------------------
  function recomputeCosts() {
    var table = document.querySelector("[data-costs]");
    if (!table) return;
    var totals = { action: BigInt(0), admin: BigInt(0), grant: BigInt(0) };
    table.querySelectorAll("tbody[data-rows]").forEach(function (body) {
      var subtotal = BigInt(0);
      body.querySelectorAll("tr[data-line]").forEach(function (row) {
        var cost = parseAmount(row.querySelector("[data-unit-cost]").value);
        var units = parseAmount(row.querySelector("[data-units]").value);
        var value = (cost === null || units === null) ? null : (cost * units + BigInt(50)) / BigInt(100);
        var out = row.querySelector("[data-line-value]");
        if (out) out.textContent = formatAmount(value);
        var group = row.querySelector("[data-line-group]").value;
        if (value !== null) {
          totals[group === "admin" ? "admin" : "action"] += value;
          subtotal += value;
        }
        var grant = row.querySelector("[data-grant-part]");
        var part = grant ? parseAmount(grant.value) : null;
        if (part !== null) totals.grant += part;
      });
      var sub = body.querySelector("[data-subtotal]");
      if (sub) sub.textContent = formatAmount(subtotal);
    });
    setText("tot-action", formatAmount(totals.action));
    setText("tot-admin", formatAmount(totals.admin));
    setText("tot-total", formatAmount(totals.action + totals.admin));
    setText("tot-grant", formatAmount(totals.grant));
  }

  // --- V.B: values and shares as you type -----------------------------------------------------
  function recomputeSources() {
    var table = document.querySelector("[data-vb]");
    if (!table) return;
    var total = parseAmount(table.getAttribute("data-total")) || BigInt(0);
    function field(name) {
      var el = document.getElementById("f-sources-" + name);
      return el ? (parseAmount(el.value) || BigInt(0)) : BigInt(0);
    }
    var grant = table.getAttribute("data-split") === "1" ? (parseAmount(table.getAttribute("data-grant")) || BigInt(0)) : field("grant");
    var financial = field("own_financial") + field("other_public");
    var nonFinancial = field("personal") + field("in_kind");
    var rows = { "1": total, "2": grant, "3": financial + nonFinancial, "31": financial, "32": nonFinancial, "4": field("beneficiary_payments") };
    Object.keys(rows).forEach(function (n) {
      setText("vb-value-" + n, formatAmount(rows[n]));
      setText("vb-pct-" + n, n === "1" ? (total ? "100,00 %" : "0,00 %") : percent(rows[n], total));
    });
  }

  // --- repeating rows ---------------------------------------------------------------------------
  function nextIndex() {
    var f = form();
    var n = parseInt(f.getAttribute("data-next-index") || "0", 10);
    f.setAttribute("data-next-index", String(n + 1));
    return n;
  }
  function randomKey() {
    var bytes = new Uint8Array(5);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }
  function renumber(container) {
    if (!container) return;
    var prefix = container.getAttribute("data-prefix");
    var rows = container.querySelectorAll("[data-row]");
    rows.forEach(function (row, i) {
      row.querySelectorAll("[data-row-number]").forEach(function (el) { el.textContent = String(i + 1); });
      if (prefix && prefix.indexOf("?") < 0) {
        var label = prefix + "." + (i + 1);
        if (prefix === "II") label = "II." + (i + 1);
        row.querySelectorAll("[data-line-label], [data-line-label-copy]").forEach(function (el) { el.textContent = label; });
      }
    });
  }
  function save() {
    var f = form();
    if (f && window.htmx) window.htmx.trigger(f, "change");
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest && event.target.closest("[data-add-row]");
    var remove = event.target.closest && event.target.closest("[data-remove-row]");
    if (add && form() && form().contains(add)) {
      var template = document.getElementById("tpl-" + add.getAttribute("data-add-row"));
      if (!template) return;
      event.preventDefault();
      var html = template.innerHTML.replace(/__i__/g, String(nextIndex()));
      var holder = document.createElement(template.content.firstElementChild.tagName === "TR" ? "tbody" : "div");
      holder.innerHTML = html;
      var row = holder.firstElementChild;
      var messages = row.nextElementSibling;
      var key = row.querySelector("[data-row-key]");
      if (key) key.value = randomKey();
      var container;
      if (row.tagName === "TR") {
        container = add.closest("tbody");
        var group = add.getAttribute("data-group");
        row.querySelector("[data-line-group]").value = group;
        var action = row.querySelector("[data-line-action]");
        if (group === "admin") {
          var wrap = row.querySelector("[data-action-wrap]");
          if (wrap) wrap.remove();
        } else if (action) {
          action.value = add.getAttribute("data-action") || "";
        }
        var addLine = container.querySelector("[data-add-line]");
        container.insertBefore(row, addLine);
        if (messages) container.insertBefore(messages, addLine);
      } else {
        container = document.getElementById("rows-" + add.getAttribute("data-add-row"));
        container.appendChild(row);
      }
      renumber(container);
      var first = row.querySelector("input:not([type=hidden]), textarea, select");
      if (first) first.focus();
      save();
    } else if (remove && form() && form().contains(remove)) {
      event.preventDefault();
      var gone = remove.closest("[data-row]");
      var rows = gone.parentElement;
      var group = gone.closest("fieldset, tbody");
      var next = gone.nextElementSibling;
      if (next && next.hasAttribute("data-line-messages")) next.remove();
      gone.remove();
      renumber(rows);
      recomputeCosts();
      var focusTarget = group && group.querySelector("[data-add-row]");
      if (!focusTarget) focusTarget = document.querySelector("#section-form [data-add-row]");
      if (focusTarget) focusTarget.focus();
      save();
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target.closest("[data-costs]")) recomputeCosts();
    if (event.target.id && event.target.id.indexOf("f-sources-") === 0) recomputeSources();
  });

  // --- the server's answer to an autosave: errors at their fields, computed figures ------------
  function applyLive() {
    var script = document.getElementById("live-json");
    var f = form();
    if (!script || !f) return;
    var live;
    try { live = JSON.parse(script.textContent); } catch (e) { return; }
    var errors = live.errors || {};
    f.querySelectorAll("[data-error-for]").forEach(function (el) {
      var id = el.getAttribute("data-error-for");
      var message = errors[id] || "";
      if (el.textContent !== message) el.textContent = message;
      var control = document.getElementById(id);
      if (control && /^(INPUT|SELECT|TEXTAREA)$/.test(control.tagName)) {
        if (message) control.setAttribute("aria-invalid", "true");
        else control.removeAttribute("aria-invalid");
      }
    });
    function hasErrors(el) {
      return Array.prototype.some.call(el.querySelectorAll("[data-error-for]"), function (e) { return e.textContent.trim() !== ""; });
    }
    f.querySelectorAll("[data-row]").forEach(function (row) {
      var messages = row.nextElementSibling;
      if (!messages || !messages.hasAttribute("data-line-messages")) messages = null;
      var bad = hasErrors(row) || (messages !== null && hasErrors(messages));
      row.classList.toggle(row.tagName === "TR" ? "line-error" : "row-error", bad);
      if (messages) messages.classList.toggle("line-error", bad);
    });
    var text = live.text || {};
    Object.keys(text).forEach(function (id) { setText(id, text[id]); });
    // Typed on while the save was on its way: the server's sums are already stale, the page's are not.
    if (edits > sentEdits) { recomputeCosts(); recomputeSources(); }
  }
  document.addEventListener("htmx:afterSettle", applyLive);
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "live-data") applyLive();
  });

  // While a conflict is shown, typing does not autosave (each try would only be refused again and
  // would redraw the choice under the pointer); only the explicit buttons send the form.
  document.addEventListener("htmx:confirm", function (event) {
    var f = form();
    if (!f || event.detail.elt !== f || !f.querySelector("#conflict .conflict")) return;
    var trigger = event.detail.triggeringEvent;
    if (!trigger || trigger.type !== "submit") event.preventDefault();
  });

  // A problem's link moves the focus to its field, not only the view.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".problems a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    var control = /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName) ? target : target.querySelector("input:not([type=hidden]), select, textarea");
    if (control) {
      event.preventDefault();
      target.scrollIntoView({ block: "center" });
      control.focus();
    }
  });

  // Track what is typed but not yet saved (the autosave waits for a pause in typing), and warn
  // before leaving the page while anything is unsaved or a save is still on its way.
  var pending = 0, edits = 0, savedEdits = 0, sentEdits = 0;
  function mark() {
    var root = document.documentElement;
    root.setAttribute("data-saves-pending", String(pending));
    root.setAttribute("data-unsaved", edits > savedEdits ? "1" : "0");
  }
  function edited(event) {
    var f = form();
    if (!f || !f.contains(event.target) || event.target.type === "hidden") return;
    edits += 1;
    mark();
  }
  document.addEventListener("input", edited, true);  // capture: counted before htmx sends it
  document.addEventListener("change", edited, true);
  document.addEventListener("htmx:beforeRequest", function () { pending += 1; sentEdits = edits; mark(); });
  document.addEventListener("htmx:afterRequest", function (event) {
    pending = Math.max(0, pending - 1);
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 200) savedEdits = Math.max(savedEdits, sentEdits);  // not a 409 conflict or 400
    mark();
  });
  document.addEventListener("click", function (event) {
    // "Take theirs" means leaving what was typed here, knowingly: no "leave the page?" question.
    if (event.target.closest && event.target.closest("[data-discard-changes]")) { savedEdits = edits; pending = 0; }
  });
  window.addEventListener("beforeunload", function (event) {
    if (pending > 0 || edits > savedEdits) { event.preventDefault(); event.returnValue = ""; }
  });
  mark();

  // After a refused form, start at the summary of what to correct (its links lead to the fields).
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // On a phone the list of sections starts folded, so the section itself comes first.
  var details = document.querySelector("[data-nav-details]");
  if (details && window.matchMedia && window.matchMedia("(max-width: 52rem)").matches) details.open = false;
})();
