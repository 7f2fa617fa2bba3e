/* Community Map: sorting the Coverage page's tables (built by build_tools/site/coverage.py).
 *
 * Each sortable column heading gets a real button. The first press sorts the areas fewest
 * first (where the gaps are), the next most first; the region-wide row stays last, since it
 * is not an area. Cells carry their sort value (per 10,000 residents where populations are
 * configured, else the count) in data-cm-sort. The heading's aria-sort and a polite status
 * line say what happened. Without JavaScript the tables are plain and complete. */
(function () {
  "use strict";

  var status = document.querySelector(".cm-cov-status");

  function sortBy(table, index, heading, button) {
    var ascending = heading.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var region = rows.filter(function (r) { return r.classList.contains("cm-cov-region"); });
    var areas = rows.filter(function (r) { return !r.classList.contains("cm-cov-region"); });
    areas.sort(function (a, b) {
      var x = parseFloat(a.cells[index].getAttribute("data-cm-sort")) || 0;
      var y = parseFloat(b.cells[index].getAttribute("data-cm-sort")) || 0;
      if (x !== y) return ascending ? x - y : y - x;
      return a.cells[0].textContent.localeCompare(b.cells[0].textContent);
    });
    areas.concat(region).forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.querySelectorAll("th[aria-sort]"), function (th) {
      th.setAttribute("aria-sort", "none");
    });
    heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    if (status) {
      status.textContent = "Sorted by " + button.textContent + ", " +
        (ascending ? "fewest first." : "most first.");
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("table[data-cm-sortable]"), function (table) {
    var headings = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headings, function (heading, index) {
      if (!heading.hasAttribute("data-cm-sortable-column")) return;
      var label = heading.querySelector(".cm-cov-head");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "cm-cov-sort";
      button.textContent = label ? label.textContent : heading.textContent;
      heading.textContent = "";
      heading.appendChild(button);
      heading.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () { sortBy(table, index, heading, button); });
    });
  });
})();
