// The registration form: a delegation of a government (Member State, Observer) represents one of
// the States, so while such a category is picked the other countries and territories are hidden
// and cannot be chosen. Without this script the form shows both lists and the server refuses a
// territory for those categories.
(function () {
  "use strict";
  var select = document.getElementById("field-country");
  if (!select) { return; }
  var others = select.querySelector("optgroup[data-territories]");
  var radios = document.querySelectorAll('input[name="category"]');
  if (!others || !radios.length) { return; }
  var government = (select.getAttribute("data-government-categories") || "").split(" ");

  function update() {
    var checked = document.querySelector('input[name="category"]:checked');
    var onlyStates = Boolean(checked) && government.indexOf(checked.value) !== -1;
    others.disabled = onlyStates;
    others.hidden = onlyStates;
    var chosen = select.options[select.selectedIndex];
    if (onlyStates && chosen && chosen.parentNode === others) {
      select.value = "";
    }
  }

  for (var i = 0; i < radios.length; i += 1) {
    radios[i].addEventListener("change", update);
  }
  update();
}());
