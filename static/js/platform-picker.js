/* The platform picker (accounts/widgets/platform_picker.html): a search box that filters the platforms as one
   types, a live count and a "show only the chosen platforms" switch. Without this file the page shows every
   platform as a plain checkbox, which works the same; the form's POST does not change either way. */
(function () {
  "use strict";

  // Lower case without accents, so that "coordinator" finds "Coördinator" and "Leuven" finds "leuven".
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function setUp(picker) {
    var tools = picker.querySelector(".lop-picker-tools");
    var search = picker.querySelector("[data-picker-search]");
    var chosenOnly = picker.querySelector("[data-picker-chosen-only]");
    var chosenCount = picker.querySelector("[data-picker-chosen]");
    var count = picker.querySelector("[data-picker-count]");
    var options = Array.prototype.map.call(picker.querySelectorAll("[data-picker-option]"), function (item) {
      return {item: item, box: item.querySelector("input[type=checkbox]"), text: fold(item.dataset.search || "")};
    });
    var groups = picker.querySelectorAll("[data-picker-group]");

    function update() {
      var words = fold(search.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      var chosen = 0;
      options.forEach(function (option) {
        if (option.box.checked) {
          chosen += 1;
        }
        var match = words.every(function (word) { return option.text.indexOf(word) !== -1; });
        var visible = match && (!chosenOnly.checked || option.box.checked);
        // A hidden checkbox is still sent with the form: filtering never drops a chosen platform.
        option.item.hidden = !visible;
        if (visible) {
          shown += 1;
        }
      });
      Array.prototype.forEach.call(groups, function (group) {
        group.hidden = !group.querySelector("[data-picker-option]:not([hidden])");
      });
      chosenCount.textContent = String(chosen);
      var text = count.dataset.template.replace("{shown}", shown).replace("{total}", options.length);
      count.textContent = shown ? text : text + " " + count.dataset.none;
    }

    search.addEventListener("input", update);
    // Enter in the search box would submit the whole form.
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
      }
    });
    chosenOnly.addEventListener("change", update);
    picker.addEventListener("change", function (event) {
      if (event.target.matches("[data-picker-option] input")) {
        update();
      }
    });
    tools.hidden = false;
    update();
  }

  document.querySelectorAll("[data-platform-picker]").forEach(setUp);
}());
