/* Assure: sortable, filterable tables. Plain script (works from file://); without
   JavaScript every table still shows in full. */
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.getAttribute("data-sort") || cell.textContent.trim();
  }

  function compare(a, b) {
    var na = Number(a), nb = Number(b);
    if (a !== "" && b !== "" && !isNaN(na) && !isNaN(nb)) return na - nb;
    return a.localeCompare(b, "en-GB", { numeric: true, sensitivity: "base" });
  }

  /* A table's record rows: every body row but the heading rows of groups. */
  function recordRows(body) {
    return Array.prototype.filter.call(body.rows, function (r) { return !r.classList.contains("group-head"); });
  }

  /* After filtering: a group's heading shows only while a row of it shows. */
  function showGroupHeads(table) {
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var head = body.querySelector("tr.group-head");
      if (head) head.hidden = recordRows(body).every(function (r) { return r.hidden; });
    });
  }

  function makeSortable(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    table.classList.add("is-sortable");
    Array.prototype.forEach.call(headers, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var descending = th.getAttribute("aria-sort") === "ascending";
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        /* Each group (tbody) sorts within itself, under its heading. */
        Array.prototype.forEach.call(table.tBodies, function (body) {
          var rows = recordRows(body);
          rows.sort(function (a, b) {
            var c = compare(cellValue(a, index), cellValue(b, index));
            return descending ? -c : c;
          });
          rows.forEach(function (r) { body.appendChild(r); });
        });
      });
    });
  }

  function makeFilterable(form) {
    var table = document.getElementById(form.getAttribute("data-filters"));
    if (!table) return;
    /* The filters work only with this script, so only with it are they shown. */
    form.hidden = false;
    var selects = form.querySelectorAll("select");
    var status = form.querySelector(".filter-count");
    function apply() {
      var rows = [], shown = 0;
      Array.prototype.forEach.call(table.tBodies, function (body) { rows = rows.concat(recordRows(body)); });
      rows.forEach(function (row) {
        var visible = Array.prototype.every.call(selects, function (s) {
          if (!s.value) return true;
          var values = (row.getAttribute("data-" + s.getAttribute("data-key")) || "").split("|");
          return values.indexOf(s.value) !== -1;
        });
        row.hidden = !visible;
        if (visible) shown++;
      });
      showGroupHeads(table);
      if (status) status.textContent = shown === rows.length ? "Showing all " + rows.length : "Showing " + shown + " of " + rows.length;
    }
    Array.prototype.forEach.call(selects, function (s) { s.addEventListener("change", apply); });
    apply();
  }

  /* A printout shows every chart's numbers: closed details would print as one line. */
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details.chart-numbers"), function (d) {
      if (!d.open) { d.open = true; d.setAttribute("data-opened-for-print", ""); }
    });
  });
  window.addEventListener("afterprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details[data-opened-for-print]"), function (d) {
      d.open = false; d.removeAttribute("data-opened-for-print");
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
  Array.prototype.forEach.call(document.querySelectorAll("[data-filters]"), makeFilterable);
})();
