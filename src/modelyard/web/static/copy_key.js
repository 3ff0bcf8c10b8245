// The member keys page: copy a newly issued key (served from /static so the page's CSP needs
// no inline script). The messages come translated in the button's data attributes.
(function () {
  var button = document.getElementById("copy-key");
  if (!button) { return; }
  var field = document.getElementById("new-key");
  var result = document.getElementById("copy-result");
  button.addEventListener("click", function () {
    field.select();
    var copied = navigator.clipboard ? navigator.clipboard.writeText(field.value) : Promise.reject();
    copied.then(function () { result.textContent = button.dataset.copied; },
                function () { result.textContent = button.dataset.failed; });
  });
})();
