/* Small enhancements of the portal's forms. Each one is optional: without this script
 * every field shows (with a label saying when it applies), slugs are typed by hand and
 * a shown-once token is selected and copied by hand; the server checks everything.
 *
 * - data-show-when="name=value1,value2" on a group of fields: shown only while the form
 *   control `name` (radio buttons or a select) has one of the values; while hidden its
 *   inputs are disabled, so they are not sent (the server clears such terms anyway).
 * - data-slug-from="name" on a slug input: suggests a slug from the field `name` as it is
 *   typed, until the slug itself is edited.
 * - data-copy-target="id" on a (hidden) button: shows it; a click copies the text of the
 *   element `id` and the button says "Copied" for a while.
 */
(function () {
  "use strict";

  // --- Fields that apply only to some choices -------------------------------------

  function valueOf(form, name) {
    var controls = form.querySelectorAll("[name='" + name + "']");
    for (var i = 0; i < controls.length; i++) {
      var control = controls[i];
      if (control.type === "radio" || control.type === "checkbox") {
        if (control.checked) return control.value;
      } else {
        return control.value;
      }
    }
    return "";
  }

  function parseCondition(text) {
    var at = text.indexOf("=");
    return { name: text.slice(0, at), values: text.slice(at + 1).split(",") };
  }

  function applyConditions(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (group) {
      var condition = parseCondition(group.getAttribute("data-show-when"));
      var shown = condition.values.indexOf(valueOf(form, condition.name)) !== -1;
      group.hidden = !shown;
      group.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = !shown;
      });
    });
  }

  function setUpConditions() {
    var forms = new Set();
    document.querySelectorAll("[data-show-when]").forEach(function (group) {
      var form = group.closest("form");
      if (form) forms.add(form);
    });
    forms.forEach(function (form) {
      applyConditions(form);
      form.addEventListener("change", function () {
        applyConditions(form);
      });
    });
  }

  // --- Slug suggestions ---------------------------------------------------------------

  function slugify(text, maxLength) {
    var slug = text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "") // accents
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "");
    if (maxLength && slug.length > maxLength) slug = slug.slice(0, maxLength).replace(/-+$/, "");
    return slug;
  }

  function setUpSlugs() {
    document.querySelectorAll("input[data-slug-from]").forEach(function (slugInput) {
      var form = slugInput.form;
      var source = form && form.elements.namedItem(slugInput.getAttribute("data-slug-from"));
      if (!source) return;
      var maxLength = parseInt(slugInput.getAttribute("maxlength") || "60", 10);
      // A slug already typed (or sent back with errors) is the user's: leave it alone.
      var suggested = slugInput.value === "" || slugInput.value === slugify(source.value, maxLength);
      source.addEventListener("input", function () {
        if (suggested) slugInput.value = slugify(source.value, maxLength);
      });
      slugInput.addEventListener("input", function () {
        suggested = slugInput.value === "";
      });
    });
  }

  // --- Copy buttons -------------------------------------------------------------------

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var scratch = document.createElement("textarea");
      scratch.value = text;
      scratch.setAttribute("readonly", "");
      scratch.className = "visually-hidden";
      document.body.append(scratch);
      scratch.select();
      var copied = document.execCommand("copy");
      scratch.remove();
      if (copied) resolve();
      else reject(new Error("copy refused"));
    });
  }

  function setUpCopyButtons() {
    document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
      var targetId = button.getAttribute("data-copy-target");
      var target = document.getElementById(targetId);
      if (!target) return;
      var status = document.querySelector("[data-copy-status='" + targetId + "']");
      var label = button.textContent;
      var timer = null;
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(target.textContent.trim()).then(
          function () {
            button.textContent = button.getAttribute("data-copied-text") || "Copied";
            button.setAttribute("data-copied", "");
            if (status) status.textContent = "Copied to the clipboard.";
            clearTimeout(timer);
            timer = setTimeout(function () {
              button.textContent = label;
              button.removeAttribute("data-copied");
              if (status) status.textContent = "";
            }, 4000);
          },
          function () {
            // The browser refused: select the text so that Ctrl+C (⌘C) copies it.
            var range = document.createRange();
            range.selectNodeContents(target);
            var selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            if (status) status.textContent = "Copying was refused: the token is selected, press Ctrl+C.";
          }
        );
      });
    });
  }

  function setUp() {
    setUpConditions();
    setUpSlugs();
    setUpCopyButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
