/* The order page's line entry row (templates/salesorders/partials/line_entry.html): after
   htmx has posted the row and swapped in the order page (or the row with its errors), the
   cursor goes back to the row: to the first field in error, else to the part, ready for the
   next line. Without JavaScript the row is a plain form and the page reloads. */
(function () {
  "use strict";

  var refocus = false;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("[data-line-entry-form]")) { refocus = true; }
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!refocus) { return; }
    var row = document.getElementById("line-entry");
    if (!row) { return; }
    refocus = false;
    var field = row.querySelector("input.is-invalid, .is-invalid input[data-picker-input]") ||
      row.querySelector("[data-picker-input]");
    if (field) {
      field.focus();
      if (field.select) { field.select(); }
    }
  });
})();
