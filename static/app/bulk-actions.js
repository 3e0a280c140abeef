/* The order list's bulk actions (config/bulk.py): a select-all box in the table's header, and
   Apply enabled only while some row is ticked. Without JavaScript the form works as it is. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-bulk-actions]");
  if (!form) { return; }
  var apply = form.querySelector("[data-bulk-apply]");
  var count = form.querySelector("[data-bulk-count]");
  var selectAll = document.querySelector("input[data-select-all]");
  var boxes = Array.prototype.slice.call(
    document.querySelectorAll('input[type=checkbox][name=select][form="' + form.id + '"]')
  );

  function update() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    apply.disabled = ticked === 0;
    if (count) { count.textContent = ticked ? " (" + ticked + ")" : ""; }
    if (selectAll) {
      selectAll.checked = ticked > 0 && ticked === boxes.length;
      selectAll.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }

  if (selectAll && boxes.length) {
    selectAll.hidden = false;
    selectAll.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = selectAll.checked; });
      update();
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  update();

  /* The reason box shows (and is required) only for an action that asks for one (Hold). */
  var action = form.querySelector("select[name=action]");
  var reason = form.querySelector("[data-bulk-reason]");
  function showReason() {
    var option = action.selectedOptions[0];
    var asks = Boolean(option && option.hasAttribute("data-asks-reason"));
    reason.hidden = !asks;
    reason.required = asks;
  }
  if (action && reason) {
    action.addEventListener("change", showReason);
    showReason();
  }
})();
