/* Small behaviours of our pages; every one of them is optional (the pages work without it). */
(function () {
  "use strict";

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
