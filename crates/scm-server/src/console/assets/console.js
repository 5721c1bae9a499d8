// The console works without this script. It adds two things where they
// clearly help: filtering a long table as you type, and refreshing the
// overview and the deliveries list every 10 seconds (pages opt in with
// <main data-refresh>), paused while a form field has focus.
(function () {
  "use strict";
  document.querySelectorAll("input[data-filter-table]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter-table"));
    if (!table) return;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      table.querySelectorAll("tbody tr").forEach(function (row) {
        row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) < 0;
      });
    });
  });
  var main = document.querySelector("[data-refresh]");
  if (main) {
    setInterval(function () {
      var active = document.activeElement;
      if (active && /INPUT|SELECT|TEXTAREA|BUTTON/.test(active.tagName)) return;
      fetch(location.href, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          var next = new DOMParser().parseFromString(html, "text/html").querySelector("[data-refresh]");
          if (next) main.replaceChildren.apply(main, Array.from(next.childNodes));
        })
        .catch(function () {});
    }, 10000);
  }
})();
