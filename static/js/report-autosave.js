/* The report form saves itself as a draft, so that nothing typed is lost (rounds/views/autosave.py).
 *
 * A few seconds after the last change, when the page is hidden or left, and before following a link
 * on the page. The status line says what happened. Without a connection it tries again (longer and
 * longer waits, and at once when the browser is back online). When the session has ended (401), a
 * save fails on another tab's login (403) or the page is left while unsaved, the answers are kept in
 * this tab's sessionStorage (per report and user) and put back when the page is opened again. A
 * stale save (409) shows the merge (rounds/merge.py) and waits until the coordinator has chosen.
 * The form works without this script: a plain POST.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave-url]");
  var status = document.getElementById("autosave-status");
  var mergeBox = document.getElementById("autosave-merge");
  if (!form || !status || !mergeBox || !window.fetch || !window.FormData) {
    return;
  }
  var url = form.getAttribute("data-autosave-url");
  var storeKey = "lop-autosave:" + form.getAttribute("data-autosave-key");
  var DELAY = 3000;
  var MAX_RETRY = 60000;
  var KEEP_MS = 12 * 3600 * 1000;
  // Not answers: never kept or compared.
  var NOT_ANSWERS = ["csrfmiddlewaretoken", "loaded_version", "loaded_state", "anchor"];

  var dirty = false;      // changes not saved on the server
  var changes = 0;        // a counter of changes, to tell whether the form changed while a save was under way
  var timer = null;
  var inFlight = null;    // the save under way (a promise)
  var again = false;      // a save was asked for while one was under way
  var paused = false;     // a merge waits for the coordinator's choices
  var stopped = "";       // "expired", "refused": no more saves from this page
  var retryDelay = 0;
  var leaving = false;    // following a link or submitting: no warning
  var failedHref = null;

  // The status line sits with the save buttons where the page has them (always in reach).
  var actions = document.getElementById("report-actions");
  if (actions) {
    actions.appendChild(status);
  }

  function message(name, time) {
    var text = status.getAttribute("data-" + name) || "";
    return time ? text.replace("%(time)s", time) : text;
  }

  function show(text, loginUrl, fine) {
    status.textContent = text;
    status.classList.toggle("text-danger-emphasis", !fine);
    if (loginUrl) {
      var link = document.createElement("a");
      link.href = loginUrl;
      link.textContent = message("login");
      link.addEventListener("click", function () { leaving = true; });
      status.appendChild(document.createTextNode(" "));
      status.appendChild(link);
    }
  }

  function setHidden(name, value) {
    var input = form.elements.namedItem(name);
    if (input && value !== undefined && value !== null) {
      input.value = value;
    }
  }

  function isAnswer(name) {
    return name && NOT_ANSWERS.indexOf(name) === -1 && name.indexOf("merge-") !== 0;
  }

  function answers() {
    var entries = [];
    new FormData(form).forEach(function (value, name) {
      if (isAnswer(name)) {
        entries.push([name, String(value)]);
      }
    });
    return entries;
  }

  // Keeping the answers in this tab ----------------------------------------------------------------
  function keep() {
    try {
      var all = [];
      new FormData(form).forEach(function (value, name) {
        if (name !== "csrfmiddlewaretoken" && name.indexOf("merge-") !== 0) {
          all.push([name, String(value)]);
        }
      });
      window.sessionStorage.setItem(storeKey, JSON.stringify({t: Date.now(), entries: all}));
    } catch (error) { /* storage full or refused: the server-side save is still tried */ }
  }

  function forget() {
    try { window.sessionStorage.removeItem(storeKey); } catch (error) { /* nothing kept */ }
  }

  function kept() {
    try {
      var stored = JSON.parse(window.sessionStorage.getItem(storeKey) || "null");
      if (stored && Date.now() - stored.t < KEEP_MS && Array.isArray(stored.entries)) {
        return stored;
      }
    } catch (error) { /* unreadable: nothing to put back */ }
    forget();
    return null;
  }

  function setField(name, values) {
    var inputs = Array.prototype.filter.call(form.elements, function (el) { return el.name === name; });
    inputs.forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = values.indexOf(el.value) !== -1;
      } else if (el.type !== "submit" && el.type !== "button") {
        el.value = values.length ? values[0] : "";
      }
    });
    if (inputs.length) {  // the guide's script (conditions, progress) follows the change
      inputs[0].dispatchEvent(new Event("change", {bubbles: true}));
    }
  }

  function grouped(entries) {
    var byName = {};
    entries.forEach(function (entry) { (byName[entry[0]] = byName[entry[0]] || []).push(entry[1]); });
    return byName;
  }

  function restore(stored) {
    var byName = grouped(stored.entries);
    var names = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (isAnswer(el.name)) { names[el.name] = true; }
    });
    Object.keys(names).forEach(function (name) { setField(name, byName[name] || []); });
    setHidden("loaded_version", (byName.loaded_version || [])[0]);
    setHidden("loaded_state", (byName.loaded_state || [])[0]);
  }

  // Saving ------------------------------------------------------------------------------------------
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);  // the newest, also after a login elsewhere
    var input = form.elements.namedItem("csrfmiddlewaretoken");
    return match ? decodeURIComponent(match[1]) : (input ? input.value : "");
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(function () { save(); }, delay);
  }

  function changed() {
    changes += 1;
    dirty = true;
    if (stopped) {
      keep();
    } else if (!paused) {
      schedule(DELAY);
    }
  }

  function save(options) {
    clearTimeout(timer);
    timer = null;
    if (paused || stopped) {
      return Promise.resolve(false);
    }
    if (inFlight) {
      again = true;
      return inFlight;
    }
    if (!dirty) {
      return Promise.resolve(true);
    }
    var sent = changes;
    var data = new FormData(form);
    data.set("csrfmiddlewaretoken", csrfToken());
    data.delete("save");
    data.delete("submit");
    inFlight = fetch(url, {
      method: "POST", body: data, credentials: "same-origin", headers: {"Accept": "application/json"},
      keepalive: Boolean(options && options.keepalive),
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        return answered(response.status, body, sent);
      });
    }, function () {
      return offline();
    }).then(function (result) {
      inFlight = null;
      if (again) {
        again = false;
        if (dirty) { schedule(0); }
      }
      return result;
    });
    return inFlight;
  }

  function answered(code, body, sent) {
    if (code === 200 && body) {
      setHidden("loaded_version", body.version);
      setHidden("loaded_state", body.state);
      retryDelay = 0;
      if (changes === sent) {
        dirty = false;
        forget();
      } else {
        schedule(DELAY);
      }
      show(message("saved", body.saved_at), null, true);
      form.dispatchEvent(new CustomEvent("report:autosaved", {detail: body}));
      return true;
    }
    if (code === 409 && body && body.conflict) {
      conflict(body);
      return false;
    }
    if (code === 401 && body && body.login_url) {
      stopped = "expired";
      keep();
      show(message("expired"), body.login_url);
      return false;
    }
    if (code === 403) {
      stopped = "refused";
      if (body && body.error) {
        show(body.error);
      } else {  // the page's security token is no longer valid: keep the answers for the reload
        keep();
        show(message("reload"));
      }
      return false;
    }
    if (code === 400 && body) {
      show(body.message || message("unsaved"));
      return false;  // tried again after the next change
    }
    return offline();
  }

  function offline() {
    keep();
    show(message("offline"));
    retryDelay = Math.min(Math.max(retryDelay * 2, 2000), MAX_RETRY);
    schedule(retryDelay);
    return false;
  }

  // A stale save: the merge, then the coordinator's choices -----------------------------------------
  function conflict(body) {
    paused = true;
    keep();
    mergeBox.innerHTML = body.merge_html;
    Object.keys(body.updates || {}).forEach(function (name) { setField(name, body.updates[name]); });
    setHidden("loaded_version", body.version);
    setHidden("loaded_state", body.state);
    show(message("conflict"));
    var merge = document.getElementById("report-merge");
    if (merge) { merge.focus(); }
  }

  function applyChoices(event) {
    event.preventDefault();
    Array.prototype.forEach.call(mergeBox.querySelectorAll("[data-merge-field]"), function (fieldset) {
      var theirs = fieldset.querySelector("input[value=theirs]");
      if (theirs && theirs.checked) {
        setField(fieldset.getAttribute("data-merge-field"), JSON.parse(fieldset.getAttribute("data-theirs")));
      }
    });
    mergeBox.innerHTML = "";
    paused = false;
    changed();
    save();
    status.focus({preventScroll: true});
  }

  // Events ------------------------------------------------------------------------------------------
  function onEdit(event) {
    if (event.target && isAnswer(event.target.name) && event.isTrusted) {
      changed();
    }
  }
  form.addEventListener("input", onEdit);
  form.addEventListener("change", onEdit);

  mergeBox.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-merge-apply]")) {
      applyChoices(event);
    }
  });

  form.addEventListener("submit", function (event) {
    clearTimeout(timer);
    if (inFlight) {  // wait for the autosave: its new version goes with this save
      event.preventDefault();
      var submitter = event.submitter;
      inFlight.then(function () { form.requestSubmit(submitter); });
      return;
    }
    leaving = true;
    setTimeout(function () { if (event.defaultPrevented) { leaving = false; } }, 0);
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey ||
        event.altKey || (link.target && link.target !== "_self") || link.hasAttribute("download")) {
      return;
    }
    var target = new URL(link.href, window.location.href);
    if (target.origin !== window.location.origin ||
        (target.pathname === window.location.pathname && target.search === window.location.search && target.hash)) {
      return;  // elsewhere, or a place on this page
    }
    if (!dirty || paused || stopped || failedHref === link.href) {
      return;  // nothing to save, or saving failed once already: leave (with the browser's warning)
    }
    event.preventDefault();
    save().then(function (ok) {
      if (ok && !dirty) {
        leaving = true;
        window.location.assign(link.href);
      } else {
        failedHref = link.href;
      }
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty && !leaving && stopped !== "expired") {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  window.addEventListener("pagehide", function () {
    if (dirty && !leaving) {
      keep();
      save({keepalive: true});
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty && !leaving) {
      keep();
      save({keepalive: true});
    }
  });

  window.addEventListener("online", function () {
    if (dirty) {
      retryDelay = 0;
      save();
    }
  });

  // On opening the page ----------------------------------------------------------------------------
  if (mergeBox.querySelector("#report-merge")) {  // a refused stale save, shown by the server
    paused = true;
    dirty = true;
  } else if (document.getElementById("error-summary") || document.getElementById("autosave-restored")) {
    dirty = true;  // what is in the form was not saved (refused, or kept over a login)
    schedule(DELAY);
  }
  var stored = kept();
  if (stored) {
    var now = JSON.stringify(answers());
    var then = JSON.stringify(stored.entries.filter(function (entry) { return isAnswer(entry[0]); }));
    if (now !== then) {
      restore(stored);
      changes += 1;
      dirty = true;
      var note = document.getElementById("autosave-restored-local");
      if (note) { note.hidden = false; }
      if (!paused) { schedule(500); }
    } else {
      forget();
    }
  }
})();
