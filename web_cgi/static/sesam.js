// SPDX-License-Identifier: Apache-2.0
// Early feedback in the browser; the server checks everything again.
// - Both forms are sent once, whatever the number of clicks (sendOnce).
// - The forgot form: a malformed address is refused before it is sent, with
//   the server's own words (data-invalid-email).
// - The change form: live check marks. The script reads the rules from
//   policy.json (same origin) and evaluates what a browser can: lengths in
//   code points, classes by Unicode category, repeats, the username.
"use strict";

// A form is sent once: a double click on "send" would start a second round of
// mail that makes the links of the first stop working, and a double click on
// "Save" would show "this link no longer works" after the first click had
// changed the password. Coming back to the page (Back) allows it again.
function sendOnce(form) {
  let sent = false;
  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;  // refused before it was sent
    if (sent) event.preventDefault();
    sent = true;
  });
  window.addEventListener("pageshow", function () { sent = false; });
}

(function () {
  const forgot = document.getElementById("forgot");
  if (!forgot) return;
  const email = document.getElementById("email");
  const message = document.getElementById("email-error");
  forgot.addEventListener("submit", function (event) {
    // type=email gives the browser the HTML standard's address syntax.
    if (email.checkValidity()) return;
    event.preventDefault();
    message.textContent = forgot.dataset.invalidEmail;
    message.hidden = false;
    email.setAttribute("aria-invalid", "true");
    email.setAttribute("aria-describedby", "email-error");
    email.focus();
  });
  sendOnce(forgot);
})();

(function () {
  const form = document.getElementById("change");
  if (!form) return;
  sendOnce(form);
  if (!window.fetch) return;
  const rules = document.getElementById("rules");
  const password = document.getElementById("password");
  const password2 = document.getElementById("password2");
  // The reset form shows the account's username; the change page has the
  // visitor type it (an input), and the username rule follows what is typed.
  const typed = document.getElementById("username");
  const usernameOf = function () { return typed ? typed.value.trim() : form.dataset.username || ""; };
  const words = { ok: rules.dataset.ok, fail: rules.dataset.fail, todo: rules.dataset.todo };
  const marks = { ok: "\u2713", fail: "\u2717", todo: "\u25CB", optional: "\u2013" };

  // The same mark, word and class as the server renders (otp_pages.cpp); the
  // word of an optional class is its item's own and is shown to everyone.
  function setState(id, state) {
    document.querySelectorAll('li[data-rule="' + id + '"]').forEach(function (item) {
      const word = item.querySelector(".state");
      item.className = state;
      item.querySelector(".mark").textContent = marks[state];
      word.textContent = state === "optional" ? item.dataset.optional : words[state];
      word.classList.toggle("visually-hidden", state !== "optional");
    });
  }

  function maxRun(text) {
    let best = 0, run = 0, last = null;
    for (const ch of text) {
      run = ch === last ? run + 1 : 1;
      last = ch;
      best = Math.max(best, run);
    }
    return best;
  }

  function evaluate(policy) {
    const pw = password.value;
    const username = usernameOf();
    const length = [...pw].length;
    const classes = {
      class_lower: /\p{Ll}/u.test(pw),
      class_upper: /\p{Lu}/u.test(pw),
      class_digit: /\p{Nd}/u.test(pw),
      class_other: /[^\p{Ll}\p{Lu}\p{Nd}]/u.test(pw),
    };
    const count = Object.values(classes).filter(Boolean).length;
    const verdicts = {
      min_length: length >= policy.min_length,
      max_length: length <= policy.max_length,
      classes: count >= policy.min_classes,
      max_repeat: !policy.max_repeat || maxRun(pw) <= policy.max_repeat,
      // The server folds case by Unicode rules; toLowerCase agrees for the
      // usernames schools use. Short usernames are not searched (policy.json).
      username: [...username].length < (policy.username_min_length || 3) ||
        !pw.toLowerCase().includes(username.toLowerCase()),
    };
    Object.assign(verdicts, classes);
    const empty = pw.length === 0;
    for (const id in verdicts) {
      // Once the classes rule is met, a missing class is optional, not "not yet".
      const optional = id in classes && verdicts.classes;
      setState(id, empty ? "todo" : verdicts[id] ? "ok" : optional ? "optional" : "fail");
    }
    const repeated = password2.value.length > 0 && password2.value === pw;
    setState("match", password2.value.length === 0 ? "todo" : repeated ? "ok" : "fail");
  }

  fetch(form.dataset.policy, { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : Promise.reject(); })
    .then(function (policy) {
      const update = function () { evaluate(policy); };
      password.addEventListener("input", update);
      password2.addEventListener("input", update);
      if (typed) typed.addEventListener("input", update);
    })
    .catch(function () { /* no live marks; the server still checks on Save */ });
})();
