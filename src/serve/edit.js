// The editor's one enhancement: a filter box above long lists of relation choices, so
// an ID or a title can be found by typing. Without script the full list works as is.
(function () {
  "use strict";
  document.querySelectorAll("fieldset[data-filter]").forEach(function (set) {
    var items = set.querySelectorAll(".choice");
    if (items.length < 8) return;
    var id = set.id + "-filter";
    var label = document.createElement("label");
    label.setAttribute("for", id);
    label.textContent = "Find by ID or title";
    label.className = "hint";
    var box = document.createElement("input");
    box.type = "search";
    box.id = id;
    box.className = "input filter";
    box.addEventListener("input", function () {
      var q = box.value.toLowerCase();
      items.forEach(function (item) {
        var input = item.querySelector("input");
        item.hidden = q !== "" && !input.checked && item.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
    var list = set.querySelector(".choice-list");
    set.insertBefore(label, list);
    set.insertBefore(box, list);
  });
  // After a refused save, focus the error summary (GOV.UK pattern).
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
