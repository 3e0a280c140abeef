// Every POST form sends once: after the first submit its buttons are disabled, so a double
// click does not run an action twice (Complete Shipment, Cancel Order, ...). Without
// JavaScript the forms work as before and the server answers a repeat with "already ...".
//
// The buttons are disabled after the submit event, not during it: the browser builds the
// form data after the event, and a disabled submitter would leave out its name and value
// (e.g. "Allocate and Add Another", or a button posting with formaction).
(function () {
  "use strict";

  function submitButtons(form) {
    // form.elements includes buttons outside the form that point at it with form="...".
    return Array.prototype.filter.call(form.elements, function (element) {
      return (
        (element.tagName === "BUTTON" && element.type === "submit") ||
        (element.tagName === "INPUT" && (element.type === "submit" || element.type === "image"))
      );
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) {
      return;
    }
    var submitter = event.submitter;
    var method = (
      (submitter && submitter.getAttribute("formmethod")) || form.getAttribute("method") || "get"
    ).toLowerCase();
    var target = (submitter && submitter.getAttribute("formtarget")) || form.target;
    if (method !== "post" || (target && target !== "_self")) {
      return;
    }
    if (form.dataset.submitted === "1") {
      event.preventDefault(); // a second submit (Enter in a field) while the first is on its way
      return;
    }
    form.dataset.submitted = "1";
    window.setTimeout(function () {
      submitButtons(form).forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
      });
    }, 0);
  });

  // Back to a page from the browser's cache: its forms may be used again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    Array.prototype.forEach.call(document.forms, function (form) {
      if (form.dataset.submitted === "1") {
        delete form.dataset.submitted;
        submitButtons(form).forEach(function (button) {
          button.disabled = false;
          button.removeAttribute("aria-disabled");
        });
      }
    });
  });
})();
