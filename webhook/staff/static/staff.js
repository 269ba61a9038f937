// The staff dashboard works without this file; it only adds two conveniences.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      var form = box.form || box.closest("form");
      if (!form) { return; }
      form.querySelectorAll('input[type="checkbox"][name="ticket"]').forEach(function (item) {
        if (!item.disabled) { item.checked = box.checked; }
      });
    });
  });
});
