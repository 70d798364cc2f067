/* KB suggestions on the escalation form (escalations/templates/escalations/new.html).
 *
 * As the title and symptoms (fields marked data-kb-source) are typed, they are sent,
 * debounced, to the panel's data-suggest-url as JSON with the page's CSRF token; the
 * server answers {"articles": [{slug, title, snippet, url}]}: articles the technician
 * may read. The list shows them; articles ticked "reviewed" stay in it.
 *
 * The deflection log goes back with the form: a hidden kb_suggested input for every
 * article ever shown, kb_opened for those opened (clicked), and the kb_reviewed check
 * boxes. The server keeps only articles the technician may read. Without this script
 * the form works as well: the list is the one the server rendered.
 */
(function () {
  "use strict";

  var DELAY_MS = 350;
  var TEXT_MAX = 1000; // the server reads no more

  function hiddenInput(name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  function setUp() {
    var panel = document.querySelector("[data-kb-suggestions]");
    var form = panel && panel.closest("form");
    if (!form) return;
    var url = panel.getAttribute("data-suggest-url");
    var list = panel.querySelector("[data-kb-list]");
    var log = panel.querySelector("[data-kb-log]");
    var status = panel.querySelector("[data-kb-status]");
    var token = form.elements.namedItem("csrf_token");
    var sources = Array.prototype.slice.call(form.querySelectorAll("[data-kb-source]"));
    if (!url || !list || !log || !token || !sources.length) return;

    function logged(name, slug) {
      return Array.prototype.some.call(log.querySelectorAll("input[name=" + name + "]"), function (input) {
        return input.value === slug;
      });
    }

    function logOnce(name, slug) {
      if (!logged(name, slug)) log.appendChild(hiddenInput(name, slug));
    }

    function item(article) {
      var li = document.createElement("li");
      li.className = "kb-suggestion mb-2";
      li.setAttribute("data-slug", article.slug);
      var link = document.createElement("a");
      link.href = article.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.setAttribute("data-kb-open", "");
      link.textContent = article.title;
      var hint = document.createElement("span");
      hint.className = "visually-hidden";
      hint.textContent = " (opens in a new tab)";
      link.appendChild(hint);
      li.appendChild(link);
      if (article.snippet) {
        var snippet = document.createElement("p");
        snippet.className = "small text-body-secondary mb-1";
        snippet.textContent = article.snippet;
        li.appendChild(snippet);
      }
      var check = document.createElement("div");
      check.className = "form-check";
      var box = document.createElement("input");
      box.className = "form-check-input";
      box.type = "checkbox";
      box.name = "kb_reviewed";
      box.value = article.slug;
      box.id = "kb-reviewed-" + article.slug;
      var label = document.createElement("label");
      label.className = "form-check-label small";
      label.htmlFor = box.id;
      label.textContent = "Reviewed: it does not solve this problem";
      var which = document.createElement("span");
      which.className = "visually-hidden";
      which.textContent = " (" + article.title + ")";
      label.appendChild(which);
      check.appendChild(box);
      check.appendChild(label);
      li.appendChild(check);
      return li;
    }

    function show(articles) {
      // What the technician ticked stays; the rest gives way to the new matches.
      var kept = {};
      Array.prototype.slice.call(list.children).forEach(function (li) {
        var box = li.querySelector("input[type=checkbox]");
        if (box && box.checked) {
          kept[li.getAttribute("data-slug")] = true;
        } else {
          list.removeChild(li);
        }
      });
      articles.forEach(function (article) {
        logOnce("kb_suggested", article.slug);
        if (!kept[article.slug]) list.appendChild(item(article));
      });
      var n = list.children.length;
      if (status) {
        status.textContent = n
          ? n + (n === 1 ? " article matches." : " articles match.")
          : "No article matches these words yet.";
      }
    }

    var timer = null;
    var latest = 0; // answers arriving out of order are dropped
    var lastSent = null;

    function text(active) {
      // The field being typed last: its last word also matches as a prefix.
      var ordered = sources.filter(function (s) { return s !== active; });
      if (active) ordered.push(active);
      return ordered
        .map(function (s) { return s.value.trim() ? s.value : ""; })
        .filter(Boolean)
        .join("\n")
        .slice(-TEXT_MAX);
    }

    function refresh(active) {
      var body = text(active);
      if (body === lastSent) return;
      lastSent = body;
      var sent = ++latest;
      if (!body.trim()) return;
      panel.setAttribute("aria-busy", "true");
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": token.value,
        },
        body: JSON.stringify({ text: body }),
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (sent !== latest || !data || !Array.isArray(data.articles)) return;
          show(data.articles);
        })
        .catch(function () {
          /* the form works without suggestions */
        })
        .then(function () {
          if (sent === latest) panel.removeAttribute("aria-busy");
        });
    }

    sources.forEach(function (source) {
      source.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { refresh(source); }, DELAY_MS);
      });
    });

    // Opening an article (click, middle click or keyboard) is logged.
    function opened(event) {
      var link = event.target.closest && event.target.closest("a[data-kb-open]");
      var li = link && link.closest("[data-slug]");
      if (li) logOnce("kb_opened", li.getAttribute("data-slug"));
    }
    list.addEventListener("click", opened);
    list.addEventListener("auxclick", opened);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
