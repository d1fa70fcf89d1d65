/* Verdict and year filter for lists of claim cards (home, topic and actor pages).
   The form is rendered hidden; without JS the whole list shows. With JS the form
   appears and hides the cards (data-verdict, data-year) that do not match. */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-list-filter]");
  Array.prototype.forEach.call(forms, function (form) {
    var list = form.parentNode.querySelector(".claim-list");
    if (!list) { return; }
    var selects = form.querySelectorAll("select[data-filter]");
    var status = form.querySelector(".list-filter__status");
    var items = Array.prototype.filter.call(list.children, function (item) {
      return item.querySelector(".card[data-verdict]");
    });

    function apply() {
      var shown = 0;
      items.forEach(function (item) {
        var card = item.querySelector(".card[data-verdict]");
        var match = Array.prototype.every.call(selects, function (select) {
          return !select.value || card.getAttribute("data-" + select.getAttribute("data-filter")) === select.value;
        });
        item.hidden = !match;
        if (match) { shown += 1; }
      });
      var filtered = Array.prototype.some.call(selects, function (select) { return select.value; });
      status.textContent = filtered ? "Showing " + shown + " of " + items.length + " fact-checks." : "";
    }

    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply();
  });
}());
