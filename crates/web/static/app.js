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
  // A chosen CSV file is read into the import form's text box.
  document.addEventListener("change", function (e) {
    var target = e.target.getAttribute && e.target.getAttribute("data-csv-into");
    if (target && e.target.files && e.target.files[0] && window.FileReader) {
      var reader = new FileReader();
      reader.onload = function () { document.getElementById(target).value = reader.result; };
      reader.readAsText(e.target.files[0]);
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
  // The team board: drag a card to a column to assign the contact (pointer events, so mouse,
  // pen and touch all work); each card's Move form is the keyboard equivalent.
  var board = document.getElementById("board");
  if (board && board.getAttribute("data-can-assign") === "true") {
    var drag = null;
    var columnAt = function (x, y) {
      var el = document.elementFromPoint(x, y);
      return el && el.closest ? el.closest(".board-col") : null;
    };
    var clearOver = function () {
      board.querySelectorAll(".board-col.over").forEach(function (c) { c.classList.remove("over"); });
    };
    var recount = function () {
      board.querySelectorAll(".board-col").forEach(function (c) {
        var n = c.querySelector("h2 .count");
        if (n) { n.textContent = c.querySelectorAll(".board-card").length; }
      });
    };
    board.addEventListener("pointerdown", function (e) {
      var card = e.target.closest(".board-card");
      if (!card || e.target.closest("form") || e.button !== 0) { return; }
      var r = card.getBoundingClientRect();
      drag = { card: card, dx: e.clientX - r.left, dy: e.clientY - r.top, from: card.parentNode, moved: false, x0: e.clientX, y0: e.clientY };
      e.preventDefault();
    });
    document.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      if (!drag.moved && Math.abs(e.clientX - drag.x0) + Math.abs(e.clientY - drag.y0) < 4) { return; }
      drag.moved = true;
      drag.card.classList.add("dragging");
      drag.card.style.left = (e.clientX - drag.dx) + "px";
      drag.card.style.top = (e.clientY - drag.dy) + "px";
      clearOver();
      var col = columnAt(e.clientX, e.clientY);
      if (col) { col.classList.add("over"); }
    });
    document.addEventListener("pointerup", function (e) {
      if (!drag) { return; }
      var d = drag;
      drag = null;
      d.card.classList.remove("dragging");
      d.card.style.left = "";
      d.card.style.top = "";
      var col = d.moved ? columnAt(e.clientX, e.clientY) : null;
      clearOver();
      if (!col || col === d.from) { return; }
      var uid = col.getAttribute("data-user-id") || "";
      var body = new URLSearchParams();
      body.set("csrf", window.corralCsrf());
      body.set("user_id", uid);
      fetch("/people/team/" + d.card.getAttribute("data-contact-id") + "/assign", { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) { throw new Error("status " + r.status); }
          col.appendChild(d.card);
          var sel = d.card.querySelector("select");
          if (sel) { sel.value = uid; }
          d.card.setAttribute("data-assigned", uid);
          recount();
        })
        .catch(function (err) { window.alert("The contact could not be assigned (" + err.message + ")."); });
    });
  }
})();
