/* tracker serve: the forms' behaviour (no inline script: the CSP). Without it the
   forms are plain posts; with it: live checks from the server's gate, chips, steppers,
   the doors left to account for, and reports kept on the phone while offline. */
(function () {
  "use strict";
  var PENDING = "tracker-pending-reports";

  function fieldsOf(form) {
    var data = new FormData(form), fields = {}, lists = {};
    form.querySelectorAll("[data-chips]").forEach(function (c) {
      lists[c.getAttribute("data-chips")] = [];
    });
    data.forEach(function (value, name) {
      if (name === "csrf" || name === "form_key" || name === "version" ||
          name.slice(-6) === "__list") { return; }
      if (Object.prototype.hasOwnProperty.call(lists, name)) {
        if (String(value).trim()) { lists[name].push(String(value).trim()); }
        return;
      }
      fields[name] = value;
    });
    Object.keys(lists).forEach(function (n) { fields[n] = lists[n]; });
    return fields;
  }

  function show(form, problems) {
    form.querySelectorAll("output.problems").forEach(function (o) { o.textContent = ""; });
    problems.forEach(function (p) {
      var out = form.querySelector('output.problems[data-for="' + p.field + '"]');
      if (!out) { return; }
      var span = document.createElement("span");
      span.className = "problem";
      span.setAttribute("role", "alert");
      span.textContent = p.message;
      out.appendChild(span);
    });
  }

  function liveCheck(form) {
    var timer = null, csrf = form.querySelector('input[name="csrf"]');
    function run() {
      var body = {fields: fieldsOf(form)};
      if (form.getAttribute("data-id")) { body.id = form.getAttribute("data-id"); }
      else { body.kind = form.getAttribute("data-kind"); }
      fetch(form.getAttribute("data-check"), {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf ? csrf.value : ""},
        body: JSON.stringify(body)
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (d) {
        if (d && d.problems) { show(form, d.problems); form.setAttribute("data-checked", "1"); }
      }).catch(function () { /* offline: the server checks when it is sent */ });
    }
    function soon() { clearTimeout(timer); timer = setTimeout(run, 300); }
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
  }

  function chips(form) {
    form.querySelectorAll("input[data-chip-for]").forEach(function (box) {
      var name = box.getAttribute("data-chip-for");
      var holder = form.querySelector('[data-chips="' + name + '"]');
      function add() {
        var v = box.value.replace(/,+$/, "").trim();
        if (!v) { return; }
        var label = document.createElement("label"), input = document.createElement("input");
        label.className = "chip";
        input.type = "checkbox"; input.name = name; input.value = v; input.checked = true;
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + v));
        holder.appendChild(label);
        box.value = "";
        form.dispatchEvent(new Event("change"));
      }
      box.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === ",") { e.preventDefault(); add(); }
      });
      box.addEventListener("change", add);
    });
  }

  /* a ref's picker: past the ids the page offers, ask the server as one types */
  function pickers(form) {
    form.querySelectorAll("input[data-ref-kind]").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("list")), timer = null;
      var kind = input.getAttribute("data-ref-kind");
      if (!list || !kind) { return; }
      input.addEventListener("input", function () {
        clearTimeout(timer);
        var typed = input.value.trim();
        if (typed.length < 2) { return; }
        timer = setTimeout(function () {
          var q = new URLSearchParams({kind: kind, grep: typed, fields: "id,title",
                                       limit: "50"});
          fetch("/api/items?" + q.toString(), {credentials: "same-origin"})
            .then(function (r) { return r.ok ? r.json() : []; })
            .then(function (rows) {
              var seen = {};
              list.querySelectorAll("option").forEach(function (o) { seen[o.value] = 1; });
              rows.forEach(function (row) {
                if (seen[row.id]) { return; }
                var o = document.createElement("option");
                o.value = row.id; o.textContent = row.title || "";
                list.appendChild(o);
              });
            }).catch(function () { /* offline: the ids the page has */ });
        }, 250);
      });
    });
  }

  function number(input) {
    var n = parseInt(input.value, 10);
    return isNaN(n) ? 0 : n;
  }

  function doorsLeft(form) {
    var total = form.querySelector("[data-total]"), out = form.querySelector("[data-left]");
    if (!total || !out) { return; }
    function update() {
      if (total.value === "") { out.textContent = ""; return; }
      var left = number(total);
      form.querySelectorAll("[data-part]").forEach(function (p) { left -= number(p); });
      out.textContent = String(left);
      out.parentNode.classList.toggle("off", left !== 0);
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  function steppers(form) {
    form.querySelectorAll("input[data-stepper]").forEach(function (input) {
      var wrap = document.createElement("span");
      wrap.className = "stepper";
      input.parentNode.insertBefore(wrap, input);
      function button(text, by, label) {
        var b = document.createElement("button");
        b.type = "button"; b.textContent = text;
        b.setAttribute("aria-label", label + " " + input.name);
        b.className = by < 0 ? "minus" : "plus";
        b.addEventListener("click", function () {
          var v = number(input) + by, min = input.getAttribute("min");
          if (min !== null && v < parseFloat(min)) { v = parseFloat(min); }
          input.value = String(v);
          input.dispatchEvent(new Event("input", {bubbles: true}));
        });
        return b;
      }
      wrap.appendChild(button("−", -1, "moins"));
      wrap.appendChild(input);
      wrap.appendChild(button("+", 1, "plus"));
    });
  }

  /* ---- reports kept on the phone while there is no network */

  function pending() {
    try { return JSON.parse(localStorage.getItem(PENDING) || "[]"); } catch (e) { return []; }
  }
  function keep(list) { localStorage.setItem(PENDING, JSON.stringify(list)); }

  function notice() {
    var p = document.getElementById("pending");
    if (!p) { return; }
    var n = pending().length;
    p.hidden = n === 0;
    p.textContent = n ? p.getAttribute("data-offline-text") + " (" + n + " " +
      p.getAttribute("data-pending-text") + ")" : "";
  }

  var sending = false;
  function flush() {
    var list = pending();
    if (sending || !list.length) { notice(); return Promise.resolve(); }
    sending = true;
    var first = list[0], body = new URLSearchParams(first.body);
    /* the session may have changed since (logged in again): this page's token */
    var token = document.querySelector('form[data-offline] input[name="csrf"]');
    if (token && token.value) { body.set("csrf", token.value); }
    return fetch(first.action, {
      method: "POST", credentials: "same-origin", body: body.toString(),
      headers: {"Content-Type": "application/x-www-form-urlencoded"}
    }).then(function (r) {
      /* not sent: busy, failing, logged out (the login page), refused token: kept */
      if (r.status === 429 || r.status >= 500 || r.status === 401 || r.status === 403 ||
          (r.redirected && new URL(r.url).pathname === "/login")) {
        sending = false; notice(); return;
      }
      /* any answer from the server ends the attempt: a repeat with the same key is
         answered with the first commit, a refusal shows the form with its messages */
      keep(pending().filter(function (p) { return p.key !== first.key; }));
      sending = false;
      notice();
      if (r.redirected) { window.location.assign(r.url); return; }
      return r.text().then(function (html) {
        document.open(); document.write(html); document.close();
      });
    }, function () { sending = false; notice(); });
  }

  function offline(form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = new URLSearchParams(new FormData(form)).toString();
      var key = form.querySelector('input[name="form_key"]').value;
      var list = pending().filter(function (p) { return p.key !== key; });
      list.push({action: form.getAttribute("action"), body: body, key: key});
      keep(list);
      notice();
      flush();
    });
  }

  window.addEventListener("online", function () { flush(); });
  setInterval(function () { if (navigator.onLine) { flush(); } }, 15000);

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.item-form").forEach(function (form) {
      chips(form);
      pickers(form);
      if (form.hasAttribute("data-check")) { liveCheck(form); }
      if (form.classList.contains("phone-form")) {
        steppers(form); doorsLeft(form);
      }
      if (form.hasAttribute("data-offline")) { offline(form); }
    });
    notice();
    if (navigator.onLine) { flush(); }
  });
})();
