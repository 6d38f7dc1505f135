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
})();
