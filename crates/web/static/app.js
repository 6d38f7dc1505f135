// Corral's small client script: progressive enhancements only; every page works without it.
(function () {
  "use strict";
  // Reads the double-submit CSRF cookie so scripts can call the API with the session.
  window.corralCsrf = function () {
    var m = document.cookie.match(/(?:^|;\s*)corral_csrf=([^;]+)/);
    return m ? m[1] : "";
  };
  // Asks before submitting forms marked data-confirm.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  // Dialogs: buttons with data-open show one, data-close shut it.
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (t.getAttribute && t.getAttribute("data-open")) {
      var d = document.getElementById(t.getAttribute("data-open"));
      if (d && d.showModal) { d.showModal(); }
    } else if (t.hasAttribute && t.hasAttribute("data-close")) {
      var dlg = t.closest("dialog");
      if (dlg) { dlg.close(); }
    }
  });
  // Selecting all rows of a table.
  document.addEventListener("change", function (e) {
    if (e.target.hasAttribute && e.target.hasAttribute("data-select-all")) {
      var table = e.target.closest("table");
      table.querySelectorAll("tbody input[type=checkbox]").forEach(function (c) { c.checked = e.target.checked; });
    }
  });
  // Presence: every signed-in page holds one live connection (that is what "online" means),
  // and presence dots on the page follow the changes it receives.
  if (document.querySelector(".sidebar") && window.EventSource) {
    var es = new EventSource("/events/presence");
    es.addEventListener("presence", function (ev) {
      var data = JSON.parse(ev.data);
      document.querySelectorAll('.dot[data-user-id="' + data.user_id + '"]').forEach(function (dot) {
        dot.classList.toggle("online", data.online);
        dot.title = data.online ? "Online" : "Offline";
      });
    });
  }
})();
