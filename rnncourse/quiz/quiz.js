// Grades rnncourse's self-check quizzes in the browser (no kernel needed).
// The same rule as rnncourse.quiz.grade in Python; tests/test_quiz_banks.py runs both under node.
(function (root) {
  "use strict";

  // The characters read as space in typed answers (rnncourse.quiz.SPACES).
  var SPACE = "[ \\t\\n\\r\\u00a0\\u202f]";
  var NUMBER = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

  function decode(text) {
    var bytes = typeof atob === "function" ? atob(text) : Buffer.from(text, "base64").toString("binary");
    var codes = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) codes[i] = bytes.charCodeAt(i);
    return JSON.parse(new TextDecoder("utf-8").decode(codes));
  }

  function strip(text, extra) {
    var set = "[ \\t\\n\\r\\u00a0\\u202f" + (extra || "") + "]";
    return text.replace(new RegExp("^" + set + "+|" + set + "+$", "g"), "");
  }

  // rnncourse.quiz.parse_number: a number, or null.
  function parseNumber(text) {
    var cleaned = text.replace(new RegExp(SPACE, "g"), "").replace(/\u2212/g, "-");
    return NUMBER.test(cleaned) ? Number(cleaned) : null;
  }

  // rnncourse.quiz.shape_tokens: "(n, t, h)" -> ["N", "T", "H"].
  function shapeTokens(text) {
    var inner = strip(text, "()\\[\\]");
    var tokens = inner.indexOf(",") >= 0 ? inner.split(",") : inner.split(new RegExp(SPACE + "+"));
    return tokens.map(function (s) { return s.replace(/[ \t\n\r\u00a0\u202f*\u00b7\u00d7]/g, "").toUpperCase(); })
      .filter(function (s) { return s.length > 0; });
  }

  function sameList(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // Returns {correct: true | false | null, show: [feedback indices], note: text}.
  function grade(type, key, response) {
    if (response === null || (type === "many" && response.length === 0) ||
        (typeof response === "string" && strip(response) === "")) {
      return { correct: null, show: [], note: "Pick or type an answer first." };
    }
    if (type === "one") {
      return { correct: key.indexOf(response) >= 0, show: [response], note: "" };
    }
    if (type === "many") {
      var right = key, picked = response.slice().sort(function (a, b) { return a - b; });
      if (sameList(picked, right)) return { correct: true, show: right, note: "" };
      var wrong = picked.filter(function (i) { return right.indexOf(i) < 0; });
      var missed = right.filter(function (i) { return picked.indexOf(i) < 0; }).length;
      var note = missed ? missed + " true statement" + (missed > 1 ? "s are" : " is") + " not ticked yet." : "";
      return { correct: false, show: wrong, note: note };
    }
    var nWrong = key.wrong.length;
    if (type === "number") {
      var value = parseNumber(response);
      if (value === null) {
        var typed = strip(response);
        var note2 = parseNumber(typed.replace(/,/g, ".")) !== null
          ? "'" + typed + "': write the decimal point as a point, e.g. 0.25."
          : "'" + typed + "' is not a number: type digits, e.g. 0.25, -3 or 1e-3.";
        return { correct: null, show: [], note: note2 };
      }
      if (Math.abs(value - key.answer) <= key.tolerance) return { correct: true, show: [0], note: "" };
      for (var w = 0; w < nWrong; w++) {
        if (Math.abs(value - key.wrong[w]) <= key.wrong_tolerance[w]) return { correct: false, show: [1 + w], note: "" };
      }
      return { correct: false, show: [1 + nWrong], note: "" };
    }
    var tokens = shapeTokens(response);
    if (sameList(tokens, shapeTokens(key.answer.join(", ")))) return { correct: true, show: [0], note: "" };
    for (var s = 0; s < nWrong; s++) {
      if (sameList(tokens, shapeTokens(key.wrong[s].join(", ")))) return { correct: false, show: [1 + s], note: "" };
    }
    return { correct: false, show: [1 + nWrong], note: "" };
  }

  // Called by a question's Check button, or by Enter in its text box.
  function check(control) {
    var box = control.closest(".rnnq-question");
    var type = box.getAttribute("data-type");
    var key = decode(box.querySelector(".rnnq-key").value);
    var response;
    if (type === "one") {
      var chosen = box.querySelector("input[type=radio]:checked");
      response = chosen ? Number(chosen.value) : null;
    } else if (type === "many") {
      response = Array.prototype.map.call(box.querySelectorAll("input[type=checkbox]:checked"),
        function (el) { return Number(el.value); });
    } else {
      response = box.querySelector(".rnnq-text").value;
    }
    var verdict = grade(type, key, response);
    box.classList.remove("rnnq-right", "rnnq-wrong");
    if (verdict.correct !== null) box.classList.add(verdict.correct ? "rnnq-right" : "rnnq-wrong");
    var result = box.querySelector(".rnnq-result");
    result.textContent = verdict.correct === true ? "Correct." : verdict.correct === false ? ("Not quite. " + verdict.note).trim() : verdict.note;
    Array.prototype.forEach.call(box.querySelectorAll(".rnnq-feedback"), function (el) {
      el.hidden = verdict.show.indexOf(Number(el.getAttribute("data-index"))) < 0;
    });
  }

  var api = { check: check, grade: grade, decode: decode, parseNumber: parseNumber, shapeTokens: shapeTokens };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api;
    return;
  }
  root.rnncourseQuiz = api;
  // This script stands right after its quiz: the quiz can grade now, so its notice goes.
  var quiz = document.currentScript && document.currentScript.previousElementSibling;
  var notice = quiz && quiz.classList.contains("rnnq") && quiz.querySelector(".rnnq-notice");
  if (notice) notice.hidden = true;
})(typeof window !== "undefined" ? window : this);
