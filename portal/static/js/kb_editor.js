/* The knowledge-base editor's live preview (knowledge_base/templates/kb/edit.html).
 *
 * As the text is typed, it is sent (debounced) to the form's data-preview-url as JSON
 * with the page's CSRF token; the server renders it with the same sanitising renderer as
 * the article page and answers {"html": ...}, which replaces the preview. The title is
 * copied as text. Without this script the "Preview" button reloads the page with the
 * preview rendered by the server.
 */
(function () {
  "use strict";

  var DELAY_MS = 300;

  function setUp() {
    var form = document.querySelector("form[data-preview-url]");
    if (!form) return;
    var body = form.elements.namedItem("body");
    var title = form.elements.namedItem("title");
    var token = form.elements.namedItem("csrf_token");
    var pane = form.querySelector("[data-testid=kb-preview]");
    var target = pane && pane.querySelector("[data-preview-body]");
    var titleTarget = pane && pane.querySelector("[data-preview-title]");
    var status = pane && pane.querySelector("[data-preview-status]");
    if (!body || !token || !target) return;

    var button = form.querySelector("[data-preview-button]");
    if (button) button.hidden = true; // the preview keeps itself up to date

    var timer = null;
    var latest = 0; // answers arriving out of order are dropped
    var lastSent = body.value;

    function showStatus(text) {
      if (status) status.textContent = text;
    }

    function refresh() {
      var sent = ++latest;
      lastSent = body.value;
      pane.setAttribute("aria-busy", "true");
      fetch(form.getAttribute("data-preview-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": token.value,
        },
        body: JSON.stringify({ body: body.value }),
      })
        .then(function (response) {
          return response
            .json()
            .catch(function () {
              return {};
            })
            .then(function (data) {
              return { ok: response.ok, data: data };
            });
        })
        .then(function (answer) {
          if (sent !== latest) return;
          if (answer.ok && typeof answer.data.html === "string") {
            // Sanitised by the server (knowledge_base.rendering), as on the article page.
            target.innerHTML = answer.data.html;
            showStatus("");
          } else {
            var error = answer.data && answer.data.error;
            showStatus(error && error.message ? error.message : "Preview unavailable; reload the page.");
          }
        })
        .catch(function () {
          if (sent === latest) showStatus("Preview unavailable (offline?)");
        })
        .finally(function () {
          if (sent === latest) pane.removeAttribute("aria-busy");
        });
    }

    body.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (body.value !== lastSent) refresh();
      }, DELAY_MS);
    });
    if (title && titleTarget) {
      title.addEventListener("input", function () {
        titleTarget.textContent = title.value;
        titleTarget.hidden = !title.value.trim(); // no empty heading
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
