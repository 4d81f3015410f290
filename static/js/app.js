// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // Stacked tables (.table-stack, app.css) label each cell on phones with its column's header:
  // copy the header cells' text into data-label, counting colspans. A cell spanning several
  // columns, a cell with a label of its own (data-label, .cell-label) and a header without
  // text are left alone.
  function labelTable(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    var labels = [];
    Array.prototype.forEach.call(head.cells, function (th) {
      labels.push(th.textContent.replace(/\s+/g, " ").trim());
      for (var i = 1; i < th.colSpan; i++) labels.push("");
    });
    var rows = [];
    Array.prototype.forEach.call(table.tBodies, function (body) {
      rows.push.apply(rows, body.rows);
    });
    if (table.tFoot) rows.push.apply(rows, table.tFoot.rows);
    rows.forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        var label = labels[column];
        column += cell.colSpan;
        if (cell.colSpan > 1 || !label || cell.hasAttribute("data-label") ||
            cell.querySelector(".cell-label")) return;
        cell.setAttribute("data-label", label);
      });
    });
  }
  function labelTables(root) {
    if (!root.querySelectorAll) return;
    var tables = Array.prototype.slice.call(root.querySelectorAll("table.table-stack"));
    var around = root.closest && root.closest("table.table-stack");
    if (around) tables.push(around);
    tables.forEach(labelTable);
  }

  ready(function () {
    document.documentElement.classList.add("js");
    // Selects marked data-autosubmit submit their form on change (the language switch).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    labelTables(document);
    // "Use my location" on the centre search: the browser's position fills the latitude and
    // longitude and submits (a typed place is cleared: it would win over the point). Shown only
    // where the browser can locate; refused or failing, the search stays as it was.
    document.querySelectorAll("[data-locate]").forEach(function (box) {
      var form = box.closest("form");
      var button = box.querySelector("[data-locate-button]");
      var status = box.querySelector("[data-locate-status]");
      if (!form || !button || !("geolocation" in navigator)) return;
      box.hidden = false;
      button.addEventListener("click", function () {
        status.textContent = "";
        button.disabled = true;
        navigator.geolocation.getCurrentPosition(function (position) {
          button.disabled = false;
          form.elements.lat.value = position.coords.latitude.toFixed(6);
          form.elements.lng.value = position.coords.longitude.toFixed(6);
          if (form.elements.place) form.elements.place.value = "";
          if (form.requestSubmit) form.requestSubmit(); else form.submit();
        }, function () {
          button.disabled = false;
          status.textContent = box.getAttribute("data-locate-failed") || "";
        }, {timeout: 15000, maximumAge: 300000});
      });
    });
    // Content htmx swaps in (filtered results, a sheet with its errors) is labelled too.
    document.body.addEventListener("htmx:load", function (event) {
      labelTables(event.target);
    });
    // A row saved on its own (an assessment's indicator) says so when the connection fails;
    // the form is not swapped, so what was typed stays.
    ["htmx:sendError", "htmx:responseError"].forEach(function (name) {
      document.body.addEventListener(name, function (event) {
        var row = event.target.closest && event.target.closest(".score-row");
        var note = row && row.querySelector(".save-failed");
        if (note) note.hidden = false;
      });
    });
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      var row = event.target.closest && event.target.closest(".score-row");
      var note = row && row.querySelector(".save-failed");
      if (note) note.hidden = true;
    });
  });
})();
