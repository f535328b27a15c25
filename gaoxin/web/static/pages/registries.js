// registry pages (static file: the Content-Security-Policy allows no inline script).
// A submit button with data-confirm asks before its form is sent.
(function () {
  document.querySelectorAll('button[data-confirm]').forEach(function (btn) {
    btn.addEventListener('click', function (ev) {
      if (!window.confirm(btn.getAttribute('data-confirm'))) { ev.preventDefault(); }
    });
  });
})();
