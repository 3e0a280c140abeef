/* Our own behaviour, loaded by base.html on every page (no inline scripts: CSP). */
(function () {
  "use strict";

  /* A search box above every <select data-searchable>: typing narrows its options. */
  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.placeholder = "Search…";
    box.setAttribute("aria-label", "Search " + (select.name || "options"));
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var needle = box.value.toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var show = !option.value || option.text.toLowerCase().indexOf(needle) !== -1;
        option.hidden = !show;
        if (show && option.value && first === null) { first = option; }
      });
      if (needle && first && select.selectedOptions.length && select.selectedOptions[0].hidden) {
        first.selected = true;
      }
    });
  });

  /* Submit once (core/once.py): each POST form gets a random once_token when the page loads,
     so the same form sent twice (a double click, a retry) is done once. */
  document.querySelectorAll("form").forEach(function (form) {
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
    if (form.querySelector("input[name=once_token]")) { return; }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "once_token";
    token.value = Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
    form.appendChild(token);
  });

  /* <button data-print>: prints the page. */
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
