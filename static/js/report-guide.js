/* The report form's guide (issue #13): which questions are asked, live; how many are answered, per
 * section and overall; which section the coordinator is at (posted with a save, so that the page
 * comes back there); and the overview before submitting.
 *
 * The rules come from rounds/presenters.py `condition_rules` (json_script #report-rules) and this
 * mirrors `Definition.states` (rounds/questionnaire.py): questions are resolved in order, each
 * condition reading the answers resolved before it. The server stays the judge: it drops answers to
 * questions not asked and fills in implied ones, whatever this script did. A condition it cannot
 * read leaves its question asked. Without this script the page works as a plain form.
 */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  var source = document.getElementById("report-rules");
  if (!form || !source) {
    return;
  }
  var rules = JSON.parse(source.textContent);
  var UNKNOWN = new Error("condition not understood");
  var saved = {}; // field name -> what the coordinator had chosen before the answer followed from another

  function inputs(rule) {
    return form.querySelectorAll('[name="' + CSS.escape(rule.field) + '"]');
  }

  function wrapper(rule) {
    return document.getElementById("div_id_" + rule.field);
  }

  function isChoice(list) {
    return list.length > 0 && (list[0].type === "radio" || list[0].type === "checkbox");
  }

  function snapshot(rule) {
    var list = inputs(rule);
    if (isChoice(list)) {
      return Array.prototype.map.call(list, function (input) { return input.checked; });
    }
    return list.length ? list[0].value : "";
  }

  function restore(rule, state) {
    var list = inputs(rule);
    if (isChoice(list)) {
      list.forEach(function (input, index) { input.checked = Boolean(state[index]); });
    } else if (list.length) {
      list[0].value = state;
    }
  }

  // The coordinator's own answer as conditions compare it: text, a list for several of a list, "" unanswered.
  function answer(rule) {
    var list = inputs(rule);
    var state = Object.prototype.hasOwnProperty.call(saved, rule.field) ? saved[rule.field] : snapshot(rule);
    if (!isChoice(list)) {
      return typeof state === "string" ? state.trim() : "";
    }
    var chosen = [];
    list.forEach(function (input, index) {
      if (state[index]) {
        chosen.push(input.value);
      }
    });
    if (rule.kind === "multiple") {
      return chosen;
    }
    var value = chosen.length ? chosen[0] : "";
    return rule.kind === "yesno" ? (rules.yes_no[value] || "") : value;
  }

  function isEmpty(value) {
    return value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
  }

  function holds(condition, effective) {
    if (!condition) {
      return true;
    }
    var value = effective[condition.column];
    if (value === undefined) {
      value = "";
    }
    switch (condition.op) {
      case "=":
      case "!=":
        if (Array.isArray(value)) {
          value = value.slice().sort().join(" ");
        }
        return (value === condition.value) === (condition.op === "=");
      case "selected":
        return Array.isArray(value) ? value.indexOf(condition.value) >= 0 : value === condition.value;
      case "all":
        return condition.items.every(function (item) { return holds(item, effective); });
      case "any":
        return condition.items.some(function (item) { return holds(item, effective); });
      default:
        throw UNKNOWN;
    }
  }

  // "asked", "not_asked" or "implied" for every question, in order (Definition.states).
  function resolve() {
    var effective = {};
    var states = {};
    rules.questions.forEach(function (rule) {
      var state = "asked";
      try {
        if (rule.relevant && !holds(rule.relevant, effective)) {
          state = "not_asked";
        } else if (rule.implied_when && holds(rule.implied_when, effective)) {
          state = "implied";
        }
      } catch (error) {
        if (error !== UNKNOWN) {
          throw error;
        }
      }
      states[rule.column] = state;
      if (state === "implied") {
        effective[rule.column] = rule.implied;
      } else if (state === "asked") {
        effective[rule.column] = answer(rule);
      }
    });
    return states;
  }

  function showImplied(rule) {
    var list = inputs(rule);
    if (isChoice(list)) {
      list.forEach(function (input) { input.checked = rule.implied_inputs.indexOf(input.value) >= 0; });
    } else if (list.length) {
      list[0].value = rule.implied_inputs[0] || "";
    }
  }

  function apply(rule, state) {
    var box = wrapper(rule);
    if (!box || (box.dataset.guideState || "asked") === state) {
      return;
    }
    if (box.dataset.guideState === "implied") {
      restore(rule, saved[rule.field]);
      delete saved[rule.field];
    }
    var note = box.querySelector(".lop-implied");
    if (state === "implied") {
      saved[rule.field] = snapshot(rule);
      showImplied(rule);
      if (!note) {
        note = document.createElement("p");
        note.className = "lop-implied form-text";
        var legend = box.querySelector("legend, label");
        legend.insertAdjacentElement("afterend", note);
      }
      note.textContent = rule.implied_text;
    } else if (note) {
      note.remove();
    }
    box.hidden = state === "not_asked";
    inputs(rule).forEach(function (input) { input.disabled = state !== "asked"; });
    box.dataset.guideState = state;
  }

  function format(text, done, total) {
    return text.replace("%(done)s", done).replace("%(total)s", total);
  }

  function count(states) {
    var overall = { done: 0, total: 0, missing: [] };
    var sections = {};
    rules.questions.forEach(function (rule) {
      var state = states[rule.column];
      if (state === "not_asked") {
        return;
      }
      var section = sections[rule.section] || (sections[rule.section] = { done: 0, total: 0 });
      var answered = state === "implied" || !isEmpty(answer(rule));
      section.total += 1;
      overall.total += 1;
      if (answered) {
        section.done += 1;
        overall.done += 1;
      } else if (rule.required) {
        overall.missing.push(rule);
      }
    });
    overall.sections = sections;
    return overall;
  }

  var progressText = document.getElementById("progress");
  var progressBar = document.getElementById("progress-bar");
  var latest = null;

  function update() {
    var states = resolve();
    rules.questions.forEach(function (rule) { apply(rule, states[rule.column]); });
    latest = count(states);
    if (progressText) {
      var text = format(rules.text.overall, latest.done, latest.total);
      if (progressText.textContent !== text) {
        progressText.textContent = text;
      }
    }
    if (progressBar) {
      progressBar.max = Math.max(latest.total, 1);
      progressBar.value = latest.done;
      progressBar.textContent = latest.done + "/" + latest.total;
    }
    document.querySelectorAll("[data-section-count]").forEach(function (element) {
      var section = latest.sections[element.dataset.sectionCount];
      element.textContent = section ? format(rules.text.section, section.done, section.total) : "";
      element.closest("a").classList.toggle("lop-complete", Boolean(section) && section.done === section.total);
    });
  }

  // Where the coordinator is: the last section whose top has passed the upper third of the window.
  var anchorField = document.getElementById("id_anchor");
  var parts = Array.prototype.slice.call(document.querySelectorAll("[data-section], #initiatives"));

  function setAnchor(id) {
    if (anchorField && id) {
      anchorField.value = id;
    }
    document.querySelectorAll("[data-nav-section]").forEach(function (link) {
      if (link.dataset.navSection === id) {
        link.setAttribute("aria-current", "location");
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }

  function follow() {
    var line = window.innerHeight / 3;
    var current = "";
    parts.forEach(function (part) {
      if (part.getBoundingClientRect().top <= line) {
        current = part.id;
      }
    });
    setAnchor(current || (parts[0] && window.scrollY > 0 ? parts[0].id : ""));
  }

  var pending = false;
  window.addEventListener("scroll", function () {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        follow();
      });
    }
  }, { passive: true });
  form.addEventListener("focusin", function (event) {
    var part = event.target.closest("[data-section], #initiatives");
    if (part) {
      setAnchor(part.id);
    }
  });
  document.querySelectorAll(".lop-nav-compact a").forEach(function (link) {
    link.addEventListener("click", function () { link.closest("details").open = false; });
  });

  // Submitting a complete report: the overview in a dialog, to confirm (without this script the server
  // shows it on a page). With required questions open the click goes to the server as it is, which
  // answers with its error summary: each open question listed and linked, and flagged beside itself.
  var dialog = document.getElementById("submit-dialog");

  if (dialog && typeof dialog.showModal === "function") {
    form.querySelectorAll('#report-actions button[name="submit"]').forEach(function (button) {
      button.addEventListener("click", function (event) {
        update();
        if (latest.missing.length) {
          return;
        }
        event.preventDefault();
        dialog.querySelector('[data-overview="count"]').textContent = format(rules.text.overall, latest.done,
                                                                            latest.total);
        dialog.showModal();
        document.getElementById("confirm-submit").focus();
      });
    });
    document.getElementById("close-submit-dialog").addEventListener("click", function () { dialog.close(); });
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
  follow();
}());
