/* Our own behaviour, loaded by base.html on every page (no inline scripts: CSP); every piece
   is optional: the pages work without JavaScript. */
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

  /* Confirmation steps (core.views.confirm_step): htmx loads the step's form into the dialog. */
  var dialog = document.getElementById("confirm-dialog");
  if (dialog) {
    document.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target.id !== "confirm-dialog-body") { return; }
      if (!dialog.open) { dialog.showModal(); }
      var first = dialog.querySelector("[autofocus]") || dialog.querySelector("button[type=submit]");
      if (first) { first.focus(); }
    });
    dialog.addEventListener("click", function (event) {
      if (event.target.closest("[data-dialog-close]") || event.target === dialog) {
        event.preventDefault();
        dialog.close();
      }
    });
    dialog.addEventListener("close", function () {
      document.getElementById("confirm-dialog-body").replaceChildren();
    });
  }

  /* The toolbar's More menu (a <details>) closes when one clicks elsewhere. */
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.toolbar-more[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.removeAttribute("open"); }
    });
  });

  /* Copy buttons: data-copy-target names the input whose value is copied. */
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copyTarget);
      var done = function () {
        button.textContent = "Copied";
        window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
      } else {
        input.select();
        document.execCommand("copy");
        done();
      }
    });
  });

  /* Filters are folded on a phone only: from 576 px up they are open. */
  if (window.matchMedia && window.matchMedia("(min-width: 576px)").matches) {
    document.querySelectorAll("details.filters-collapse").forEach(function (details) { details.open = true; });
  }

  /* Print buttons of the printable pages (the browser's own Print works without them). */
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
