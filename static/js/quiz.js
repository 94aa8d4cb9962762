// Autosave and countdown for an open quiz attempt. The server owns the clock and grades; this
// script only saves as the official goes, keeps unsent answers on the device while the line is
// down, and hands in when the time shown reaches zero.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form) return;
  var status = document.getElementById("save-status");
  var storeKey = "ccs-attempt-" + form.dataset.attempt;
  var timer = null;
  var saving = false;
  var dirty = false;

  function say(text) { if (status) status.textContent = text; }

  function remember() {
    try { localStorage.setItem(storeKey, new URLSearchParams(new FormData(form)).toString()); } catch (e) { /* private mode */ }
  }
  function forget() { try { localStorage.removeItem(storeKey); } catch (e) { /* private mode */ } }

  function restore() {
    var saved;
    try { saved = localStorage.getItem(storeKey); } catch (e) { return false; }
    if (!saved) return false;
    var values = new URLSearchParams(saved);
    form.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (box) {
      box.checked = values.getAll(box.name).indexOf(box.value) !== -1;
    });
    form.querySelectorAll("select").forEach(function (select) {
      if (values.has(select.name)) select.value = values.get(select.name);
    });
    return true;
  }

  function save() {
    if (saving) { dirty = true; return; }
    saving = true;
    dirty = false;
    say(status.dataset.saving);
    fetch(form.dataset.saveUrl, {
      method: "POST",
      body: new FormData(form),
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
        if (!dirty) forget();
        say(status.dataset.saved + " " + result.data.saved_at);
      } else {
        forget();  // refused by the server (e.g. time is up): reload to show why
        say(result.data.error || "");
      }
    }).catch(function () {
      say(status.dataset.offline);
      setTimeout(save, 5000);
    }).then(function () {
      saving = false;
      if (dirty) save();
    });
  }

  form.addEventListener("change", function () {
    remember();
    clearTimeout(timer);
    timer = setTimeout(save, 600);
  });
  window.addEventListener("online", function () { if (localStorage.getItem(storeKey)) save(); });
  form.addEventListener("submit", function () { forget(); });

  // Answers chosen while the line was down, before a reload: put them back and send them.
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
        remember();
        form.submit();
        return;
      }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
