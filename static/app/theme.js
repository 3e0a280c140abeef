/* Dark mode follows the system setting: Bootstrap 5.3's colour modes read data-bs-theme.
   Loaded in <head>, before the page paints, so it never flashes the other theme. */
(function () {
  var query = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function apply() {
    document.documentElement.setAttribute("data-bs-theme", query && query.matches ? "dark" : "light");
  }
  apply();
  if (query && query.addEventListener) { query.addEventListener("change", apply); }
})();
