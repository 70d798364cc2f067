/* Confirmation before a destructive or binding action (see portal/confirm.py).
 *
 * A form with data-confirm-question (and -consequence, -action, -danger) opens a modal
 * <dialog> instead of submitting. "Cancel" or Escape closes it and nothing is sent; the
 * confirm button adds confirmed=yes and submits the form. Without this script the form
 * posts unconfirmed and the server answers with a confirmation page instead.
 */
(function () {
  "use strict";

  var FIELD = "confirmed";
  var dialog = null;
  var pending = null; // {form, submitter}

  function buildDialog() {
    var d = document.createElement("dialog");
    d.className = "confirm-dialog";
    d.id = "confirm-dialog";
    d.setAttribute("aria-labelledby", "confirm-dialog-question");
    d.setAttribute("aria-describedby", "confirm-dialog-consequence");
    d.setAttribute("data-testid", "confirm-dialog");

    var form = document.createElement("form");
    form.method = "dialog";

    var question = document.createElement("h2");
    question.className = "h5 mb-2";
    question.id = "confirm-dialog-question";

    var consequence = document.createElement("p");
    consequence.id = "confirm-dialog-consequence";

    var buttons = document.createElement("div");
    buttons.className = "d-flex flex-wrap justify-content-end gap-2 mt-3";
    var cancel = document.createElement("button");
    cancel.type = "submit";
    cancel.value = "cancel";
    cancel.className = "btn btn-outline-secondary";
    cancel.textContent = "Cancel";
    cancel.autofocus = true; // the safe choice has the focus
    var confirm = document.createElement("button");
    confirm.type = "submit";
    confirm.value = "confirm";
    confirm.className = "btn btn-danger";
    confirm.setAttribute("data-confirm-button", "");
    buttons.append(cancel, confirm);

    form.append(question, consequence, buttons);
    d.append(form);
    d.addEventListener("close", onClose);
    // A click on the backdrop (outside the dialog's box) cancels too.
    d.addEventListener("click", function (event) {
      if (event.target === d) d.close("cancel");
    });
    document.body.append(d);
    return d;
  }

  function open(form, submitter) {
    dialog = dialog || buildDialog();
    pending = { form: form, submitter: submitter };
    dialog.querySelector("#confirm-dialog-question").textContent = form.dataset.confirmQuestion;
    dialog.querySelector("#confirm-dialog-consequence").textContent =
      form.dataset.confirmConsequence || "";
    var button = dialog.querySelector("[data-confirm-button]");
    button.textContent = form.dataset.confirmAction || (submitter && submitter.textContent) || "Confirm";
    button.className = "btn " + (form.dataset.confirmDanger === "no" ? "btn-primary" : "btn-danger");
    dialog.returnValue = "";
    dialog.showModal();
  }

  function onClose() {
    var chosen = dialog.returnValue;
    var current = pending;
    pending = null;
    if (!current) return;
    if (chosen !== "confirm") {
      if (current.submitter) current.submitter.focus();
      return;
    }
    var marker = current.form.querySelector("input[name=" + FIELD + "]");
    if (!marker) {
      marker = document.createElement("input");
      marker.type = "hidden";
      marker.name = FIELD;
      marker.setAttribute("data-confirm-added", "");
      current.form.append(marker);
    }
    marker.value = "yes";
    if (current.submitter && current.submitter.form === current.form) {
      current.form.requestSubmit(current.submitter);
    } else {
      current.form.requestSubmit();
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm-question")) return;
    var marker = form.querySelector("input[name=" + FIELD + "]");
    if (marker && marker.value === "yes") return; // confirmed: let it go
    event.preventDefault();
    open(form, event.submitter || null);
  });

  // Back from the next page (back/forward cache): the form must ask again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("input[data-confirm-added]").forEach(function (input) {
      input.remove();
    });
  });
})();
