/* Taking a quiz (certification/templates/certification/quiz/attempt.html).
 *
 * - Each answer is saved as it is chosen: a JSON POST of that question's choices to the
 *   form's data-answers-url, with the page's CSRF token. The question says "Saved" or
 *   why not; a failed save is retried with the next change, and the form's own
 *   "Save answers" and "Submit answers" buttons send every answer anyway. The page's
 *   count of questions answered follows each save.
 * - The countdown runs from the seconds the server said were left (data-remaining), not
 *   from this device's clock; when it reaches zero the form is submitted, and the server
 *   grades the attempt (late by a few seconds is within its grace).
 * Without this script the form works as it is: the server remains the judge of time.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-quiz-attempt]");
  if (!form) return;
  var token = form.querySelector("input[name=csrf_token]").value;
  var answersUrl = form.getAttribute("data-answers-url");
  var submitting = false;

  // --- Saving each answer -------------------------------------------------------------

  function say(fieldset, text, isError) {
    var state = fieldset.querySelector("[data-save-state]");
    if (!state) return;
    state.textContent = text;
    state.classList.toggle("is-error", !!isError);
  }

  function chosen(fieldset) {
    var ids = [];
    fieldset.querySelectorAll("input:checked").forEach(function (input) {
      ids.push(parseInt(input.value, 10));
    });
    return ids;
  }

  // The page's "n of m answered so far", kept current as answers are saved.
  function countAnswered() {
    var count = document.querySelector("[data-answered-count]");
    if (!count) return;
    var answered = 0;
    form.querySelectorAll("[data-question]").forEach(function (question) {
      if (question.querySelector("input:checked")) answered += 1;
    });
    count.textContent = String(answered);
  }

  function save(fieldset) {
    var questionId = parseInt(fieldset.getAttribute("data-question"), 10);
    say(fieldset, "Saving…");
    fetch(answersUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ question_id: questionId, choice_ids: chosen(fieldset) }),
    })
      .then(function (response) {
        if (response.ok) {
          say(fieldset, "Saved");
          countAnswered();
          return;
        }
        return response.json().then(function (body) {
          var message = (body && body.error && body.error.message) || "Not saved.";
          say(fieldset, message, true);
          if (response.status === 409 || (body && body.error && body.error.code === "deadline_passed")) {
            finish();
          }
        });
      })
      .catch(function () {
        say(fieldset, "Not saved: no connection. It will be sent with your next change or when you submit.", true);
      });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("[data-question]");
    if (fieldset && !submitting) save(fieldset);
  });

  form.addEventListener("submit", function () {
    submitting = true;
  });

  // --- The countdown ------------------------------------------------------------------

  var timer = document.querySelector("[data-remaining]");
  var display = timer && timer.querySelector("[data-countdown]");
  var announce = timer && timer.querySelector("[data-countdown-announce]");
  if (!timer || !display) return;
  var endsAt = performance.now() + parseInt(timer.getAttribute("data-remaining"), 10) * 1000;
  var announced = {};
  [300, 60].forEach(function (mark) {
    // Marks already behind when the page loads are not announced.
    if (parseInt(timer.getAttribute("data-remaining"), 10) <= mark) announced[mark] = true;
  });

  function text(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function finish() {
    if (submitting) return;
    submitting = true;
    var button = form.querySelector("[data-submit-answers]");
    if (button && form.requestSubmit) {
      form.requestSubmit(button);
    } else {
      form.submit();
    }
  }

  function tick() {
    var left = Math.max(0, Math.ceil((endsAt - performance.now()) / 1000));
    display.textContent = text(left);
    timer.classList.toggle("is-ending", left <= 60);
    [300, 60].forEach(function (mark) {
      if (left <= mark && left > 0 && !announced[mark]) {
        announced[mark] = true;
        if (announce) announce.textContent = (mark / 60) + " minute" + (mark > 60 ? "s" : "") + " left.";
      }
    });
    if (left === 0) {
      if (announce) announce.textContent = "Time is up: submitting your answers.";
      finish();
      return;
    }
    window.setTimeout(tick, 250);
  }

  tick();
})();
