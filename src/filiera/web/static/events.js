// Event pages: copy the agenda's e-mail text, print a sheet.
(function () {
  "use strict";

  function wireCopy() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (!source) return;
        var done = function () { button.textContent = button.getAttribute("data-copied"); };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(source.textContent).then(done, function () { select(source); });
        } else {
          select(source);
          try { if (document.execCommand("copy")) done(); } catch (e) { /* selected for the user */ }
        }
      });
    });
  }

  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function wirePrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function start() {
    wireCopy();
    wirePrint();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
