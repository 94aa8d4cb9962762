// Autosave and countdown for an open quiz attempt. The server owns the clock and grades; this
// script only saves as the official goes, keeps unsent answers on the device while the line is
// down, and hands in when the time shown reaches zero.
//
// Only the questions changed on this device and not yet acknowledged by the server ("pending")
// are ever sent: a page that is older than the server's copy (another tab, a reload racing a
// save) can then never overwrite answers saved since.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form) return;
  var status = document.getElementById("save-status");
  var storeKey = "ccs-attempt-" + form.dataset.attempt;
  var pending = {};   // position → true, for answers not yet saved on the server
  var timer = null;
  var saving = false;
  var again = false;

  function say(text) { if (status) status.textContent = text; }

  function positionOf(element) {
    var fieldset = element.closest("fieldset.question");
    return fieldset ? fieldset.id.replace("question-", "") : null;
  }

  function fieldsOf(position) {
    return form.querySelectorAll("#question-" + position + " input, #question-" + position + " select");
  }

  // The answers of the pending positions, as the form would post them.
  function pendingData() {
    var data = new URLSearchParams();
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    Object.keys(pending).forEach(function (position) {
      data.append("positions", position);
      fieldsOf(position).forEach(function (field) {
        if ((field.type === "radio" || field.type === "checkbox") && !field.checked) return;
        data.append(field.name, field.value);
      });
    });
    return data;
  }

  function remember() {
    try {
      if (Object.keys(pending).length) localStorage.setItem(storeKey, pendingData().toString());
      else localStorage.removeItem(storeKey);
    } catch (e) { /* private mode or full: the server copy is all there is */ }
  }

  // Answers chosen on this device that the server never acknowledged (the line dropped, then a
  // reload): put them back on the page and mark them pending again.
  function restore() {
    var saved;
    try { saved = localStorage.getItem(storeKey); } catch (e) { return false; }
    if (!saved) return false;
    var values = new URLSearchParams(saved);
    values.getAll("positions").forEach(function (position) {
      if (!document.getElementById("question-" + position)) return;
      pending[position] = true;
      fieldsOf(position).forEach(function (field) {
        if (field.type === "radio" || field.type === "checkbox") {
          field.checked = values.getAll(field.name).indexOf(field.value) !== -1;
        } else if (field.tagName === "SELECT") {
          field.value = values.has(field.name) ? values.get(field.name) : "";
        }
      });
    });
    return Object.keys(pending).length > 0;
  }

  function save() {
    if (saving) { again = true; return; }
    var sent = Object.keys(pending);
    if (!sent.length) return;
    saving = true;
    again = false;
    say(status.dataset.saving);
    fetch(form.dataset.saveUrl, {
      method: "POST",
      body: pendingData(),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.redirected || type.indexOf("json") === -1) {
        // Logged out meanwhile (sent to the login page): the answers are on this device; reload
        // so the official logs in and comes back to them.
        window.location.reload();
        return new Promise(function () {});
      }
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok && result.data.saved) {
        if (!again) sent.forEach(function (position) { delete pending[position]; });
        remember();
        say(status.dataset.saved + " " + result.data.saved_at);
      } else {
        pending = {};  // refused by the server (e.g. time is up): nothing to retry
        remember();
        say(result.data.error || "");
      }
    }).catch(function () {
      say(status.dataset.offline);
      setTimeout(save, 5000);
    }).then(function () {
      saving = false;
      if (again) save();
    });
  }

  form.addEventListener("change", function (event) {
    var position = positionOf(event.target);
    if (position === null) return;
    pending[position] = true;
    remember();
    clearTimeout(timer);
    timer = setTimeout(save, 600);
  });
  window.addEventListener("online", save);

  // Handing in (or the save button) sends what this page shows only for the questions answered
  // here; the server keeps what it has saved for the others.
  form.addEventListener("submit", function (event) {
    var handingIn = !(event.submitter && event.submitter.getAttribute("formaction"));
    form.querySelectorAll("fieldset.question").forEach(function (fieldset) {
      var position = fieldset.id.replace("question-", "");
      if (pending[position]) return;
      fieldset.querySelectorAll("input, select").forEach(function (field) { field.disabled = true; });
      var marker = form.querySelector("input[name=positions][value='" + position + "']");
      if (marker) marker.disabled = true;
    });
    if (handingIn) {
      try { localStorage.removeItem(storeKey); } catch (e) { /* nothing kept */ }
    }
  });

  if (restore()) save();

  var clock = document.getElementById("time-left");
  if (clock) {
    var deadline = Date.now() + Number(clock.dataset.seconds) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(left / 60), seconds = left % 60;
      clock.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left === 0) {
        say(status.dataset.timeup);
        form.requestSubmit ? form.requestSubmit() : form.submit();
        return;
      }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
