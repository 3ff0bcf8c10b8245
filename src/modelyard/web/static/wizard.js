// The "Add custom model" wizard: live character counters on the descriptions (the server's
// limit still decides), and the inline new-key fields shown only when a new key is chosen.
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-limit]").forEach(function (area) {
    var counter = document.getElementById(area.dataset.counter);
    var limit = Number(area.dataset.limit);
    var template = area.dataset.template || "{used} / {limit}";
    function update() {
      var used = area.value.length;
      counter.textContent = template.replace("{used}", used).replace("{limit}", limit);
      counter.classList.toggle("over", used > limit);
    }
    area.addEventListener("input", update);
    update();
  });
  var select = document.getElementById("f-key_id");
  var fields = document.getElementById("new-key");
  if (select && fields) {
    var sync = function () { fields.hidden = select.value !== select.dataset.newKey; };
    select.addEventListener("change", sync);
    sync();
  }
})();
