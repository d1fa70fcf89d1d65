/* Turns "Copy link" buttons into clipboard copies. Without JS (or without the
   Clipboard API) the buttons stay hidden and the read-only address field remains. */
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) { return; }
  var buttons = document.querySelectorAll("button.copy-link[data-url]");
  Array.prototype.forEach.call(buttons, function (button) {
    var status = button.parentNode.querySelector(".copy-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-url")).then(function () {
        if (status) { status.textContent = "Link copied."; }
      }, function () {
        if (status) { status.textContent = "Could not copy; select the address and copy it."; }
      });
    });
  });
}());
