// Roster admin console: small enhancements on top of pages that work without JavaScript.
// Loaded as a file (the Content-Security-Policy allows no inline script).
(function () {
  'use strict';

  function announce(container, text) {
    var status = container && container.querySelector('.copy-status');
    if (status) status.textContent = text;
  }

  // Copy buttons: <button data-copy="ID" hidden>. They stay hidden without JavaScript (the field is selectable).
  function enableCopyButtons(root) {
    root.querySelectorAll('button[data-copy]').forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
    });
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('button[data-copy]');
    if (!button) return;
    var field = document.getElementById(button.getAttribute('data-copy'));
    if (!field) return;
    var text = 'value' in field ? field.value : field.textContent;
    var container = button.closest('.copy-block');
    navigator.clipboard.writeText(text).then(
      function () { announce(container, 'Copied to the clipboard'); },
      function () {
        if (field.select) field.select();
        announce(container, 'Press Ctrl+C (or Cmd+C) to copy');
      }
    );
  });

  // Read-only values select themselves on focus, for copying by keyboard.
  document.addEventListener('focusin', function (event) {
    var field = event.target;
    if (field && field.matches && field.matches('input[readonly][data-select]')) field.select();
  });

  // Forms that destroy something ask first: <form data-confirm="Delete jane@example.com?">.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute('data-confirm');
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Times are rendered in UTC on the server; show them in the reader's time zone.
  function localiseTimes(root) {
    var format;
    try {
      format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
    } catch (e) {
      return;
    }
    root.querySelectorAll('time[data-local]').forEach(function (node) {
      var date = new Date(node.getAttribute('datetime'));
      if (!isNaN(date.getTime())) node.setAttribute('title', format.format(date));
    });
  }

  // The target form lists the fields of every sign-in method; with JavaScript only the chosen method's show.
  // <select id="target-auth"> and <div data-auth="bearer">.
  function showAuthFields(root) {
    var select = root.querySelector && root.querySelector('#target-auth');
    if (!select) return;
    var form = select.form || document;
    form.querySelectorAll('[data-auth]').forEach(function (group) {
      group.hidden = group.getAttribute('data-auth') !== select.value;
    });
    var note = form.querySelector('[data-auth-note]');
    if (note) note.hidden = true;
  }

  document.addEventListener('change', function (event) {
    if (event.target && event.target.id === 'target-auth') showAuthFields(document);
  });

  function enhance(root) {
    enableCopyButtons(root);
    localiseTimes(root);
    showAuthFields(root);
  }

  document.addEventListener('DOMContentLoaded', function () { enhance(document); });
  document.addEventListener('htmx:afterSettle', function (event) { enhance(event.target || document); });
})();
