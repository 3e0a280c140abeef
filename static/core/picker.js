/* Pickers (core/pickers.py): the box asks its search endpoint for suggestions through htmx
   (hx-get on the box); this file sends the typed text as `q`, picks a suggestion by click or
   keyboard, and keeps the chosen key beside the box. Without it the box still works: the
   server selects the one record the text names. */
(function () {
  "use strict";

  function pickerOf(element) { return element.closest("[data-picker]"); }

  function listOf(picker) { return picker.querySelector(".picker-suggestions"); }

  function options(picker) { return Array.prototype.slice.call(picker.querySelectorAll("[data-pick-value]")); }

  function close(picker) {
    listOf(picker).replaceChildren();
    picker.querySelector("[data-picker-input]").setAttribute("aria-expanded", "false");
  }

  function choose(option) {
    var picker = pickerOf(option);
    var input = picker.querySelector("[data-picker-input]");
    if (picker.dataset.pickerMode === "text") {
      input.value = option.dataset.pickCode || option.dataset.pickLabel;
    } else {
      var value = picker.querySelector("[data-picker-value]");
      if (value.tagName === "SELECT" && !value.querySelector('option[value="' + option.dataset.pickValue + '"]')) {
        value.add(new Option(option.dataset.pickLabel, option.dataset.pickValue));
      }
      value.value = option.dataset.pickValue;
      picker.querySelector("[data-picker-label]").value = option.dataset.pickLabel;
      input.value = option.dataset.pickLabel;
    }
    close(picker);
    input.focus();
    input.dispatchEvent(new CustomEvent("picker:chosen", { bubbles: true, detail: option.dataset }));
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var input = event.detail.elt;
    if (!input.matches || !input.matches("[data-picker-input]")) { return; }
    delete event.detail.parameters[input.name];
    event.detail.parameters.q = input.value;
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var picker = pickerOf(event.detail.target);
    if (!picker) { return; }
    picker.querySelector("[data-picker-input]").setAttribute("aria-expanded", options(picker).length ? "true" : "false");
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest("[data-pick-value]");
    if (option && pickerOf(option)) {
      event.preventDefault();
      choose(option);
      return;
    }
    document.querySelectorAll("[data-picker]").forEach(function (picker) {
      if (!picker.contains(event.target)) { close(picker); }
    });
  });

  document.addEventListener("keydown", function (event) {
    var picker = event.target.closest && pickerOf(event.target);
    if (!picker) { return; }
    var list = options(picker);
    var input = picker.querySelector("[data-picker-input]");
    var index = list.indexOf(event.target);
    if (event.key === "ArrowDown" && list.length) {
      event.preventDefault();
      list[Math.min(index + 1, list.length - 1)].focus();
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      (index === 0 ? input : list[index - 1]).focus();
    } else if (event.key === "Escape" && list.length) {
      event.preventDefault();
      close(picker);
      input.focus();
    } else if (event.key === "Enter" && event.target === input && list.length === 1) {
      // One suggestion: Enter takes it (the form is not posted yet).
      event.preventDefault();
      choose(list[0]);
    }
  });
})();
