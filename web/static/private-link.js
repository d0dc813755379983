/* A private link (a complaint's, or a merchant's reply link) carries its secret in the URL's
   fragment, "#token=...", which the browser never sends to any server. This script puts the
   token into the form's token field and hides the field where it would otherwise be pasted;
   the language links keep the fragment so that the page in the other language still has it.
   Without JavaScript the field stays visible and the token can be pasted into it. A form
   marked data-autosubmit (the status page's "open" form) is sent at once. */
(function () {
  "use strict";

  function apply() {
    var token = new URLSearchParams(window.location.hash.slice(1)).get("token");
    if (!token) {
      return;
    }
    var forms = document.querySelectorAll("form[data-private-token]");
    Array.prototype.forEach.call(forms, function (form) {
      var field = form.querySelector("input[name=token]");
      if (!field) {
        return;
      }
      field.value = token;
      var paste = form.querySelector("[data-token-paste]");
      if (paste) {
        paste.hidden = true;
      }
      var details = form.closest("details");
      if (details) {
        details.open = true;
      }
      // The status page's only form opens it: nothing is left for the reader to type.
      if (form.hasAttribute("data-autosubmit") && !form.dataset.sent) {
        form.dataset.sent = "1";
        form.submit();
      }
    });
    var links = document.querySelectorAll("nav.lang a[href]");
    Array.prototype.forEach.call(links, function (link) {
      var url = new URL(link.href, window.location.href);
      url.hash = window.location.hash;
      link.href = url.href;
    });
  }

  apply();
  // Opening the private link from the page it names changes only the fragment.
  window.addEventListener("hashchange", apply);
})();
