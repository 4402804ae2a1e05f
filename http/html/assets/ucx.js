// ucx web UI script. Everything works without it: forms post to the
// server, which answers with a page. With it, the filing form shows the
// policy's answer as the exporter types, and an import's progress bar
// moves without reloading. It calls the REST API with the session cookie
// (same origin, so the API's cross-origin check lets it through).
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  // --- A flash (?done=…) is said once: the address loses its done, so a
  // link copied or a page reloaded does not announce the action again. ---
  if (window.history && history.replaceState && window.URL) {
    var here = new URL(window.location.href);
    if (here.searchParams.has("done")) {
      here.searchParams.delete("done");
      history.replaceState(history.state, "", here.pathname + here.search + here.hash);
    }
  }

  // --- Filing form: the certificate fields follow "same as above". ---
  var same = $("f-cert_same"), certFields = $("cert-fields");
  if (same && certFields) {
    var sync = function () { certFields.hidden = same.checked; };
    same.addEventListener("change", sync);
    sync();
  }

  // --- Filing form: live policy check (POST /api/v1/check). ---
  var form = $("app-form"), box = $("live-check");
  if (form && box) {
    var outcomeEl = $("check-outcome"), detailEl = $("check-detail"), reasonsEl = $("check-reasons");
    var timer = null, seq = 0;
    var zh = /^zh\b/i.test(document.documentElement.lang);
    var val = function (name) { var el = form.elements[name]; return el ? String(el.value || "").trim() : ""; };
    var num = function (s) { if (!s) return 0; var n = Number(s.replace(",", ".")); return isFinite(n) ? n : NaN; };
    var body = function () {
      var v = {
        vin: val("vin"), brand: val("brand"), model: val("model"), energy_type: val("energy_type"),
        registration_date: val("registration_date"), transfer_date: val("transfer_date"),
        modified: !!(form.elements.modified && form.elements.modified.checked)
      };
      var kwh = num(val("battery_kwh"));
      if (kwh) v.battery_kwh = kwh;
      var km = num(val("mileage_km").replace(/[ ,]/g, ""));
      if (val("mileage_km") !== "" && isFinite(km)) v.mileage_km = Math.round(km);
      var cert = same && same.checked
        ? { brand: v.brand, model: v.model, registration_date: v.registration_date, transfer_date: v.transfer_date }
        : { brand: val("cert_brand"), model: val("cert_model"), registration_date: val("cert_registration_date"), transfer_date: val("cert_transfer_date") };
      return { vehicle: v, certificate: cert, destination: val("destination"), inspection_report: val("inspection_report") };
    };
    var show = function (d) {
      var o = d.outcome || "";
      outcomeEl.textContent = box.getAttribute("data-o-" + o) || o;
      outcomeEl.className = "outcome out-" + o;
      var parts = [];
      if (d.days_since_registration !== undefined && d.letter_free_from) {
        parts.push(box.getAttribute("data-days").replace("%s", d.days_since_registration));
      }
      if (d.letter_required && d.letter_free_from) {
        parts.push(box.getAttribute("data-letter-free").replace("%s", d.letter_free_from));
      }
      detailEl.textContent = parts.join(" · ");
      reasonsEl.textContent = "";
      (d.reasons || []).forEach(function (r) {
        var li = document.createElement("li");
        li.className = "sev-" + r.severity;
        var rule = document.createElement("span");
        rule.className = "rule";
        rule.textContent = r.rule;
        li.appendChild(rule);
        li.appendChild(document.createTextNode(" "));
        // The API gives every reason in English and most also in Chinese
        // (message_zh); a Chinese page shows the Chinese one, or the
        // English one marked as English when there is none.
        if (zh && r.message_zh) {
          li.appendChild(document.createTextNode(r.message_zh));
        } else if (zh) {
          var en = document.createElement("span");
          en.lang = "en";
          en.textContent = r.message;
          li.appendChild(en);
        } else {
          li.appendChild(document.createTextNode(r.message));
        }
        reasonsEl.appendChild(li);
      });
    };
    var check = function () {
      var b = body();
      if (!b.vehicle.vin || !b.vehicle.registration_date || !b.destination) {
        outcomeEl.textContent = box.getAttribute("data-empty");
        outcomeEl.className = "outcome";
        detailEl.textContent = "";
        reasonsEl.textContent = "";
        return;
      }
      var mine = ++seq;
      fetch("/api/v1/check", {
        method: "POST", credentials: "same-origin",
        // The page's language, so that an unreadable input is explained in it.
        headers: { "Content-Type": "application/json", "Accept": "application/json", "Accept-Language": document.documentElement.lang || "zh" },
        body: JSON.stringify(b)
      }).then(function (r) {
        return r.json().then(function (j) { return { ok: r.ok, j: j }; });
      }).then(function (res) {
        if (mine !== seq) return; // a later answer is on its way
        if (res.ok) { show(res.j); return; }
        // The check refused the input as unreadable (a date being typed):
        // say what it said, beside nothing, and wait for more typing.
        outcomeEl.textContent = box.getAttribute("data-o-invalid");
        outcomeEl.className = "outcome out-invalid";
        detailEl.textContent = (res.j && res.j.error && res.j.error.message) || "";
        reasonsEl.textContent = "";
      }).catch(function () {
        if (mine !== seq) return;
        outcomeEl.textContent = box.getAttribute("data-error");
        outcomeEl.className = "outcome";
      });
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(check, 300); };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    check();
  }

  // --- Import progress: poll GET /api/v1/imports/{id}. ---
  var imp = $("import");
  if (imp && imp.getAttribute("data-running") === "true") {
    var id = imp.getAttribute("data-id"), bar = $("import-progress");
    var poll = function () {
      fetch("/api/v1/imports/" + id, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (j) {
          if (j.total > 0) { bar.max = j.total; bar.value = j.processed; }
          bar.textContent = j.total > 0 ? Math.round(j.processed * 100 / j.total) + "%" : "";
          if (j.state === "done" || j.state === "failed") { window.location.reload(); return; }
          setTimeout(poll, 500);
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 300);
  }
}());
