// A double tap on a slow phone must not send a form twice: the first submit disables the
// button until the page changes. Forms marked data-allow-resubmit opt out.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.allowResubmit !== undefined) return;
  if (form.dataset.submitting) { event.preventDefault(); return; }
  form.dataset.submitting = "1";
  form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
    b.setAttribute("aria-busy", "true");
  });
});
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-submitting]").forEach(function (f) {
    delete f.dataset.submitting;
    f.querySelectorAll("[aria-busy]").forEach(function (b) { b.removeAttribute("aria-busy"); });
  });
});
// "Cetak" buttons: a script file, not an onclick attribute, which the Content-Security-Policy
// refuses like any inline script.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
// The officer's "Tugas" menu is a <details>: it works without JavaScript; with it, a click
// elsewhere or Escape closes it, as a menu does.
document.addEventListener("click", function (event) {
  document.querySelectorAll(".sw-work-menu[open]").forEach(function (menu) {
    if (!menu.contains(event.target)) menu.open = false;
  });
});
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  document.querySelectorAll(".sw-work-menu[open]").forEach(function (menu) {
    menu.open = false;
    menu.querySelector("summary").focus();
  });
});
