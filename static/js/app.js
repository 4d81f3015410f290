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

  // The map of the centre search (parents/search.html; Leaflet, loaded only there and only
  // with a tile server set): the results of #results as circles, the search point as a ring;
  // a click on the map searches near that point. Redrawn whenever htmx swaps in new results.
  // Without Leaflet, tiles or JavaScript the section stays hidden and the list is the page.
  function searchMap() {
    var section = document.querySelector("[data-search-map]");
    var form = document.getElementById("search-filters");
    if (!section || !form || !window.L) return;
    var box = section.querySelector(".search-map");
    section.hidden = false;
    var map = window.L.map(box, {scrollWheelZoom: false}).setView([28.87, 105.44], 11);
    window.L.tileLayer(box.getAttribute("data-tiles"), {
      maxZoom: 18, attribution: box.getAttribute("data-attribution") || ""
    }).addTo(map);
    var layer = window.L.layerGroup().addTo(map);
    map.on("click", function (event) {
      form.elements.lat.value = event.latlng.lat.toFixed(6);
      form.elements.lng.value = event.latlng.lng.toFixed(6);
      if (form.elements.place) form.elements.place.value = "";
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
    function draw() {
      var results = document.getElementById("results");
      if (!results) return;
      layer.clearLayers();
      var bounds = [];
      if (results.hasAttribute("data-lat")) {
        var here = [parseFloat(results.getAttribute("data-lat")),
                    parseFloat(results.getAttribute("data-lng"))];
        window.L.circleMarker(here, {radius: 9, weight: 3, fill: false}).addTo(layer);
        bounds.push(here);
      }
      results.querySelectorAll("[data-lat]").forEach(function (item) {
        var point = [parseFloat(item.getAttribute("data-lat")),
                     parseFloat(item.getAttribute("data-lng"))];
        var link = document.createElement("a");
        link.href = "#" + item.id;
        link.textContent = item.getAttribute("data-name");
        window.L.circleMarker(point, {radius: 7, fillOpacity: 0.8}).bindPopup(link).addTo(layer);
        bounds.push(point);
      });
      if (bounds.length) map.fitBounds(bounds, {padding: [24, 24], maxZoom: 15});
    }
    draw();
    document.body.addEventListener("htmx:load", function (event) {
      if (event.target.id === "results") draw();
    });
  }

  ready(function () {
    document.documentElement.classList.add("js");
    // Leaflet's script comes after this one (deferred too), so it may not have run yet.
    if (window.L) searchMap(); else window.addEventListener("load", searchMap);
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
