// SiapKop's few enhancements on top of htmx, and, served as /sw.js, its service worker.
// Every page also works without this file. One module, no dependency.
//
// Offline, in short: every change a facilitator makes goes to the outbox (IndexedDB) first, then to
// the server; only what the server acknowledged leaves the outbox, so moving on while answers are
// sent or waiting loses none. The outbox is sent to /assessments/sync on every page and when the
// signal returns. The worker keeps each user's pages (network first) and serves them offline to that
// user alone, as long as the session lasts (the siapkop_user cookie). The merge rules are the
// server's (app/assessments/merge.py).
(function () {
  "use strict";
  var PAGES = "siapkop-pages-";  // + user id: the pages kept for the field; a deploy never deletes them
  var USER_COOKIE = "siapkop_user";  // who is logged in on this browser, for as long as the session lasts
  var VISIT = /^\/assessments\/[0-9a-f-]{36}\//;
  var TEMPLATE = "00000000-0000-0000-0000-000000000000";  // the blank visit that prepared pages show

  if (typeof window === "undefined") {
    worker();
  } else {
    page();
  }

  // ---- The service worker ---------------------------------------------------------------------

  function worker() {
    /* global VERSION, FILES, OFFLINE */
    var STATIC = "siapkop-static-" + VERSION;

    self.addEventListener("install", function (event) {
      // Without cookies: a reply to this worker must never replace the session of a login going on meanwhile.
      event.waitUntil(caches.open(STATIC).then(function (cache) {
        return cache.addAll(FILES.map(function (file) { return new Request(file, {credentials: "omit"}); }));
      }).then(function () { return self.skipWaiting(); }));
    });

    self.addEventListener("activate", function (event) {
      event.waitUntil(caches.keys().then(function (keys) {
        return Promise.all(keys.filter(function (key) {
          return key.indexOf("siapkop-static-") === 0 && key !== STATIC || key === "siapkop-pages";  // shared, before v2
        }).map(function (key) { return caches.delete(key); }));
      }).then(function () { return self.clients.claim(); }));
    });

    self.addEventListener("fetch", function (event) {
      var request = event.request, url = new URL(request.url);
      if (request.method !== "GET" || url.origin !== location.origin || url.pathname === "/sw.js") return;
      if (url.pathname.indexOf("/static/") === 0) {
        event.respondWith(cacheFirst(request));
      } else if (!request.headers.get("HX-Request") || request.headers.get("HX-Boosted")) {
        event.respondWith(networkFirst(request, url));  // whole pages; htmx fragments go to the network only
      }
    });
  }

  function cacheFirst(request) {
    return caches.match(request).then(function (hit) {
      return hit || fetch(request).catch(function () {
        return caches.match(request, {ignoreSearch: true});  // a file cached before a deploy
      });
    });
  }

  function loggedIn() {
    if (!self.cookieStore) return Promise.resolve(null);
    return self.cookieStore.get(USER_COOKIE).then(function (cookie) { return cookie && cookie.value; }, function () {
      return null;
    });
  }

  // The network's page, kept for its user; without signal, the user's kept copy. A visit started
  // offline is unknown to the server until the outbox is sent: its kept pages stand in meanwhile.
  function networkFirst(request, url) {
    return fetch(request).then(function (response) {
      return loggedIn().then(function (user) {
        var type = response.headers.get("Content-Type") || "";
        if (user && response.ok && !response.redirected && type.indexOf("text/html") === 0) {
          var copy = response.clone();
          caches.open(PAGES + user).then(function (cache) { return cache.put(request.url, copy); });
        }
        if (user && response.status === 404 && VISIT.test(url.pathname)) {
          return kept(request.url, user).then(function (hit) { return hit || response; });
        }
        return response;
      });
    }).catch(function () {
      return loggedIn().then(function (user) {
        // "/" is kept once opened with signal; until then a home page kept under its own address stands in.
        var keys = [request.url].concat(url.pathname === "/" ? ["/assessments/", "/reviews/", "/cooperatives/"] : []);
        return first(keys, function (key) { return kept(key, user); });
      }).then(function (hit) {
        return hit || caches.match(OFFLINE, {ignoreVary: true});
      });
    });
  }

  // A page kept for `user`, marked as a kept copy (app.js then shows what was answered since it was kept).
  function kept(key, user) {
    if (!user) return Promise.resolve(null);
    return caches.open(PAGES + user).then(function (cache) {
      return cache.match(new URL(key, location.origin).href, {ignoreVary: true});
    }).then(function (hit) {
      return hit && hit.text().then(function (html) {
        return new Response(html.replace("<main", "<main data-kept"), {headers: {"Content-Type": "text/html; charset=utf-8"}});
      });
    });
  }

  function first(keys, find) {
    return keys.reduce(function (found, key) {
      return found.then(function (hit) { return hit || find(key); });
    }, Promise.resolve(null));
  }

  // ---- The page ---------------------------------------------------------------------------------

  function page() {
    var idb = null, flushing = false, retry = 1000, timer = null, writing = Promise.resolve(), lastSeq = 0,
      sending = {}, unsent = {}, loginNeeded = false;

    function me() { return document.body.dataset.user; }

    function userCookie() {
      var match = document.cookie.match(new RegExp("(?:^|; )" + USER_COOKIE + "=([^;]*)"));
      return match && match[1];
    }

    function database() {
      idb = idb || new Promise(function (resolve, reject) {
        var request = indexedDB.open("siapkop", 2);
        request.onupgradeneeded = function (event) {
          if (event.oldVersion < 1) request.result.createObjectStore("outbox", {keyPath: "seq", autoIncrement: true});
          // The value that stands for each answer the server acknowledged: a kept page may be older.
          if (event.oldVersion < 2) request.result.createObjectStore("known", {keyPath: "key"});
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
      return idb;
    }

    // Run work(store) in one transaction of `name`; resolves with the result of the request it returns.
    function store(name, mode, work) {
      return database().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(name, mode), request = work(tx.objectStore(name));
          tx.oncomplete = function () { resolve(request && request.result); };
          tx.onerror = function () { reject(tx.error); };
        });
      });
    }

    function outbox(mode, work) { return store("outbox", mode, work); }

    // This user's queued changes, oldest first.
    function pending() {
      var user = me();
      return outbox("readonly", function (s) { return s.getAll(); }).then(function (ops) {
        return ops.filter(function (op) { return op.user === user; });
      });
    }

    // Numbers the phone's changes in the order they were made; known at once, so a request can carry it.
    function nextSeq() {
      lastSeq = Math.max(Number(localStorage.getItem("siapkop-seq")) || 0, lastSeq) + 1;
      localStorage.setItem("siapkop-seq", String(lastSeq));
      return lastSeq;
    }

    function sameTarget(a, b) {
      return a.type === b.type && a.user === b.user && a.assessment === b.assessment &&
        a.question === b.question && a.section === b.section && a.participant === b.participant && a.day === b.day;
    }

    // Put a change in the outbox, replacing an older unsent change of the same answer, note or attendance.
    function enqueue(op) {
      op.user = me();
      op.ts = op.ts || Date.now();
      op.seq = op.seq || nextSeq();
      Object.keys(unsent).forEach(function (seq) { if (sameTarget(unsent[seq], op)) delete unsent[seq]; });
      unsent[op.seq] = op;
      writing = writing.then(function () {
        return outbox("readwrite", function (s) {
          if (op.type === "answer" || op.type === "note" || op.type === "attendance") {
            s.openCursor().onsuccess = function (event) {
              var cursor = event.target.result;
              if (!cursor) return;
              if (cursor.value.seq < op.seq && sameTarget(cursor.value, op)) cursor.delete();
              cursor.continue();
            };
          }
          return s.put(op);
        });
      }).then(showCount, showCount);
      return op;
    }

    function remove(seqs) {
      seqs.forEach(function (seq) { delete unsent[seq]; });
      writing = writing.then(function () {
        return outbox("readwrite", function (s) { seqs.forEach(function (seq) { s.delete(seq); }); });
      }).then(showCount, showCount);
      return writing;
    }

    function remember(assessment, question, value, na) {
      store("known", "readwrite", function (s) {
        return s.put({key: [me(), assessment, question].join(" "), user: me(), assessment: assessment,
                      question: question, value: value, na: na});
      });
    }

    // What this phone keeps of a user once their session is over: only their unsent work.
    function forget(user) {
      return Promise.all([window.caches ? caches.delete(PAGES + user) : null, store("known", "readwrite", function (s) {
        s.openCursor().onsuccess = function (event) {
          var cursor = event.target.result;
          if (!cursor) return;
          if (cursor.value.user === user) cursor.delete();
          cursor.continue();
        };
      })]);
    }

    function known(assessment) {
      return store("known", "readonly", function (s) { return s.getAll(); }).then(function (rows) {
        return rows.filter(function (row) { return row.user === me() && row.assessment === assessment; });
      });
    }

    // ---- The outbox panel: what waits, when the last send succeeded, and a way to send now

    function showCount() {
      var panel = document.getElementById("outbox-panel");
      if (!panel || !me()) return null;
      return pending().then(function (ops) {
        var count = document.getElementById("outbox"), last = panel.querySelector("[data-last]"),
          lang = document.documentElement.lang, offline = navigator.onLine === false,
          answers = ops.filter(function (op) { return op.type === "answer"; }).length,
          photos = ops.filter(function (op) { return op.type === "photo"; }).length,
          marks = ops.filter(function (op) { return op.type === "attendance"; }).length,
          sent = Number(localStorage.getItem("siapkop-sent-" + me()));
        count.hidden = answers + photos + marks === 0;
        count.textContent = count.dataset[photos ? "photos" : marks ? "changes" : "message"]
          .replace("{n}", (answers + marks).toLocaleString(lang)).replace("{p}", photos.toLocaleString(lang));
        panel.querySelector("[data-offline]").hidden = !offline;
        last.hidden = !sent;
        if (sent) {
          last.textContent = last.dataset.last.replace("{time}", new Date(sent).toLocaleString(lang, {
            day: "numeric", month: "long", hour: "2-digit", minute: "2-digit"}));
        }
        panel.querySelector("[data-send-now]").hidden = count.hidden || offline;
        panel.hidden = count.hidden && !offline && !loginNeeded;
      });
    }

    function later(delay) {
      clearTimeout(timer);
      timer = setTimeout(flush, delay);
    }

    // Send the outbox; remove what the server acknowledged; on failure try again later, less often.
    function flush() {
      if (flushing || loginNeeded || !me()) return;
      flushing = true;
      writing.then(pending).then(function (ops) {
        // In turn: changes (a visit's start first), then photos, then submits, so a submit is judged
        // on everything made before it.
        var now = Date.now(), changes = [], photos = [], submits = [], batch,
          ready = ops.filter(function (op) { return !(now - (sending[op.seq] || 0) < 15000); });
        ready.forEach(function (op) { (op.type === "photo" ? photos : op.type === "submit" ? submits : changes).push(op); });
        batch = (changes.length ? changes : submits).slice(0, 200);
        if (ready.length < ops.length) later(15000);  // htmx is sending the others: sent again if never answered
        if (!changes.length && photos.length) return upload(photos).then(function () { later(0); });
        if (!batch.length) return null;
        return fetch("/assessments/sync", {
          method: "POST", credentials: "same-origin", redirect: "manual",
          body: JSON.stringify({ops: batch.map(wire), now: Date.now()}),
          headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}
        }).then(function (response) {
          if (response.status === 400 || response.status === 401 || response.type === "opaqueredirect") {
            return checkSession();
          }
          if (!response.ok) throw new Error("sync " + response.status);
          return response.json().then(function (reply) {
            retry = 1000;
            localStorage.setItem("siapkop-sent-" + me(), String(Date.now()));
            return acknowledge(batch, reply.results).then(function () {
              if (ready.length > batch.length) later(0);
            });
          });
        });
      }).catch(function () {
        later(retry);
        retry = Math.min(retry * 2, 60000);
      }).then(function () {
        flushing = false;
        showCount();
      });
    }

    // Photos, one at a time: the server keeps each once (the phone's id), re-encoded and checked.
    function upload(photos) {
      return photos.reduce(function (done, op) {
        return done.then(function () {
          var body = new FormData();
          body.append("photo-" + op.question, op.blob, "foto.jpg");
          body.append("photo_id", op.id);
          return fetch("/assessments/" + op.assessment + "/photos/" + op.question, {
            method: "POST", credentials: "same-origin", body: body, redirect: "manual",
            headers: {"X-CSRFToken": csrf(), "HX-Request": "true"}
          }).then(function (response) {
            if (response.status === 400 || response.status === 401 || response.type === "opaqueredirect") {
              throw new Error("session");
            }
            if (response.status >= 500 || response.status === 429) throw new Error("photo " + response.status);
            return response.text().then(function (html) {
              // The question's photo list comes back, with the reason beside it if the photo was refused.
              var list = document.getElementById("photos-" + op.question),
                reply = new DOMParser().parseFromString(html, "text/html"), alert = reply.querySelector("[role=alert]");
              if (list && list.closest('[data-assessment="' + op.assessment + '"]') && reply.getElementById(list.id)) {
                list.replaceWith(reply.getElementById(list.id));
                htmx.process(document.getElementById(list.id));
              } else if (!response.ok && alert) {
                notice(alert.textContent.trim());
              }
              localStorage.setItem("siapkop-sent-" + me(), String(Date.now()));
              return remove([op.seq]);
            });
          });
        });
      }, Promise.resolve()).catch(function (error) {
        if (error.message === "session") return checkSession();
        throw error;
      });
    }

    function wire(op) {
      var copy = {};
      Object.keys(op).forEach(function (key) { if (key !== "user") copy[key] = op[key]; });
      return copy;
    }

    // The outbox was refused: an expired form token is renewed and the outbox sent again; an ended
    // session keeps the outbox and asks the facilitator to log in.
    function checkSession() {
      return fetch("/auth/session", {credentials: "same-origin"}).then(function (response) {
        return response.json();
      }).then(function (state) {
        if (state.user !== null && String(state.user) === me()) {
          var headers = JSON.parse(document.body.getAttribute("hx-headers"));
          headers["X-CSRFToken"] = state.csrf;
          document.body.setAttribute("hx-headers", JSON.stringify(headers));
          document.querySelectorAll("input[name=csrf_token]").forEach(function (input) { input.value = state.csrf; });
          later(0);
          return;
        }
        loginNeeded = true;
        document.querySelector("#outbox-panel [role=alert]").hidden = false;
      });
    }

    function acknowledge(batch, results) {
      var sent = {};
      batch.forEach(function (op) { sent[op.seq] = op; });
      return remove(results.map(function (result) { return result.seq; }).filter(function (seq) { return sent[seq]; }))
        .then(function () {
          var submit = document.querySelector("form[data-submit]");
          results.forEach(function (result) {
            var op = sent[result.seq];
            if (!op) return;
            document.dispatchEvent(new CustomEvent("siapkop:ack", {detail: {op: op, result: result}}));
            if (!result.ok) notice(result.message);
            if (op.type === "answer") settled(op, result);
            else if (op.type === "submit" && result.ok && submit && submit.dataset.submit === op.assessment) location.reload();
          });
        });
    }

    // An answer the server has decided on: it stands as sent, or another value stands (not applied).
    function settled(op, result) {
      var stands = result.ok && (result.applied || (result.value === op.value && result.na === op.na)),
        value = stands || !result.ok ? op.value : result.value, na = stands || !result.ok ? op.na : result.na,
        form = document.querySelector('form[data-assessment="' + op.assessment + '"]'),
        fieldset = form && form.querySelector('[data-question="' + op.question + '"]');
      if (result.ok) remember(op.assessment, op.question, value, na);
      if (!fieldset || Number(fieldset.dataset.seq) > op.seq) return;  // a newer change is on its way
      if (!result.ok) return state(fieldset, "error", result.message);
      showAnswer(fieldset, {value: value, na: na});
      state(fieldset, stands ? "saved" : "not-applied");
      relevance(form);
    }

    function csrf() {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    }

    function notice(message) {
      var p = document.createElement("p");
      p.className = "flash error";
      p.setAttribute("role", "alert");
      p.textContent = message;
      document.querySelector("main").prepend(p);
    }

    // Show `message` where the reply to this request would have gone.
    function say(target, message) {
      var status;
      if (!target) return;
      status = target.classList.contains("status") ? target : target.querySelector(".status");
      if (!status) status = target.appendChild(document.createElement("p"));
      status.className = "status error";
      status.setAttribute("role", "alert");
      status.textContent = message;
    }

    // ---- Answers on the screen

    function answerOf(fieldset) {
      var checked = fieldset.querySelector("input[type=radio]:checked"),
        box = fieldset.querySelector("input[type=number], input[type=date], textarea"),
        na = fieldset.querySelector("input[name=na]");
      return {na: !!(na && na.checked), value: checked ? checked.value : box && box.value !== "" ? box.value : null};
    }

    function showAnswer(fieldset, op) {
      var value = op.na ? null : op.value;
      fieldset.querySelectorAll("input[type=radio]").forEach(function (radio) { radio.checked = radio.value === value; });
      var box = fieldset.querySelector("input[type=number], input[type=date], textarea"),
        na = fieldset.querySelector("input[name=na]");
      if (box) box.value = value || "";
      if (na) na.checked = !!op.na;
    }

    // "Tidak berlaku" stands instead of an answer, as the server stores it: ticking it clears the answer on
    // the screen at once (before the change is queued and sent), and giving an answer unticks it.
    function exclusive(fieldset, control) {
      var na = fieldset.querySelector("input[name=na]");
      if (!na) return;
      if (control === na && na.checked) {
        showAnswer(fieldset, {na: true});
      } else if (control !== na && control.value !== "" && (control.type !== "radio" || control.checked)) {
        na.checked = false;
      }
    }

    // One answer's state: waiting, sending, saved, queued (no signal), not-applied or error.
    function state(fieldset, name, message) {
      var status = fieldset.querySelector(".status"), form = fieldset.closest("form");
      if (!status) return;
      status.className = "status " + name;
      status.setAttribute("role", name === "not-applied" || name === "error" ? "alert" : "status");
      status.textContent = message || form.dataset[{"not-applied": "notApplied"}[name] || name];
    }

    function answerFieldset(elt) {
      return elt && elt.matches && elt.matches("fieldset[data-question][hx-post]") && elt.closest("form[data-assessment]") ? elt : null;
    }

    // The relevance rules, applied on the phone while the server cannot be asked (see scoring.py).
    function relevance(form) {
      form.querySelectorAll("[data-show-if]").forEach(function (fieldset) {
        var rule = fieldset.dataset.showIf.split(" "),
          target = form.querySelector('[data-question="' + rule[0] + '"]');
        if (!target) return;  // a rule on another section's question waits for the server
        var answer = answerOf(target), value = target.hidden || answer.na ? "" : answer.value || "";
        fieldset.hidden = !holds(rule[1], value, rule.slice(2).join(" "));
      });
    }

    function holds(operator, value, expected) {
      if (value === "") return false;
      if (operator === "equals") return value === expected;
      if (operator === "differs") return value !== expected;
      if (operator === "at_least") return Number(value) >= Number(expected);
      return Number(value) < Number(expected);
    }

    // Queued changes win over what the page was served with: they are newer. A kept copy of a page
    // also shows what the server acknowledged since it was kept.
    function overlay(root) {
      var form = root.querySelector("form[data-assessment]"), submit = root.querySelector("form[data-submit]"),
        missing = root.querySelector(".missing ul[data-values]");
      if (!form && !submit) return;
      var id = form ? form.dataset.assessment : submit.dataset.submit, copy = !!document.querySelector("main[data-kept]");
      Promise.all([pending(), copy ? known(id) : []]).then(function (both) {
        if (missing) recount(root, missing, both[1].concat(both[0].filter(function (op) {
          return op.assessment === id && op.type === "answer";
        })), both[0].some(function (op) { return op.assessment === id; }));
        both[1].forEach(function (row) {
          var fieldset = form && form.querySelector('[data-question="' + row.question + '"]');
          if (fieldset) showAnswer(fieldset, row);
        });
        both[0].filter(function (op) { return op.assessment === id; }).forEach(function (op) {
          var fieldset = form && form.querySelector('[data-question="' + op.question + '"]'),
            crumb = root.querySelector("[data-crumb]"), note = form && form.querySelector('[data-note="' + op.section + '"]');
          if (op.type === "answer" && fieldset) {
            showAnswer(fieldset, op);
            fieldset.dataset.seq = op.seq;
            fieldset.dataset.ts = op.ts;
            state(fieldset, navigator.onLine === false ? "queued" : "waiting");
          }
          if (op.type === "note" && note) note.value = op.text;
          if (op.type === "photo" && form) queuedPhoto(form, op);
          if (op.type === "start" && crumb && !crumb.textContent.trim()) {
            crumb.textContent = op.name + " · " + new Date(op.visit_date + "T00:00").toLocaleDateString(
              document.documentElement.lang, {day: "numeric", month: "long", year: "numeric"});
          }
        });
        if (form) relevance(form);
      });
    }

    // The summary, counted again with the answers the server has not seen: each section's share of
    // required questions answered, the list of those missing, and whether it can be sent.
    function recount(root, list, changes, queued) {
      var values = JSON.parse(list.dataset.values), na = {}, filled = {}, shown = {};
      JSON.parse(list.dataset.na).forEach(function (code) { na[code] = true; });
      changes.forEach(function (change) {
        values[change.question] = change.value;
        na[change.question] = change.na;
      });
      list.querySelectorAll("li[data-question]").forEach(function (item) {
        var code = item.dataset.question, section = item.dataset.section, rule = (item.dataset.showIf || "").split(" ");
        var visible = !item.dataset.showIf || shown[rule[0]] !== false && !na[rule[0]] &&
          holds(rule[1], values[rule[0]] || "", rule.slice(2).join(" "));
        var answered = !!na[code] || values[code] !== undefined && values[code] !== null && values[code] !== "";
        shown[code] = visible;
        filled[section] = filled[section] || [0, 0];
        if (visible) filled[section] = [filled[section][0] + (answered ? 1 : 0), filled[section][1] + 1];
        item.hidden = !visible || answered;
      });
      var left = list.querySelectorAll("li:not([hidden])").length, total = root.querySelector(".total"),
        button = root.querySelector("form[data-submit] button"), reason = root.querySelector("#send-reason");
      Object.keys(filled).forEach(function (section) {
        var cell = root.querySelector("#score-" + section + " td:last-child"), f = filled[section];
        if (cell) cell.textContent = Math.round(f[1] ? 100 * f[0] / f[1] : 100) + "%";
      });
      list.parentNode.hidden = left === 0;
      if (queued && total) total.textContent = total.dataset.later;
      if (button) button.disabled = left > 0;
      if (reason) {
        reason.hidden = left === 0;
        reason.textContent = reason.dataset[left === 1 ? "one" : "other"].replace("{n}", left.toLocaleString(
          document.documentElement.lang));
      }
    }

    // ---- Photos: made small on the phone (at most 1,600 px, JPEG) and sent from the outbox

    function shrink(file) {
      return createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bitmap) {
        var scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height)), canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.8); });
      });
    }

    function queuedPhoto(form, op) {
      var input = form.querySelector('[data-photo="' + op.question + '"]'), list, item;
      if (!input || form.querySelector('[data-queued-photo="' + op.id + '"]')) return;
      list = input.closest(".photos").querySelector("ul") || input.closest(".photos").insertBefore(
        document.createElement("ul"), input.closest(".photos").firstChild);
      item = list.appendChild(document.createElement("li"));
      item.className = "status queued";
      item.dataset.queuedPhoto = op.id;
      item.textContent = input.dataset.queued.replace("{size}", Math.round(op.blob.size / 1024).toLocaleString(
        document.documentElement.lang));
    }

    // ---- Keeping pages for the field

    function pages() { return caches.open(PAGES + me()); }

    // Every page of a visit opened with signal is kept, so the visit goes on when the signal goes.
    function keepVisit(root) {
      var steps = root.querySelectorAll("nav.stepper a[href]");
      if (!steps.length || !window.caches || navigator.onLine === false || location.pathname.indexOf(TEMPLATE) > 0) return;
      pages().then(function (cache) {
        return Array.prototype.reduce.call(steps, function (done, link) {
          return done.then(function () {
            return cache.match(link.href, {ignoreVary: true}).then(function (hit) {
              return hit || fetch(link.href, {credentials: "same-origin"}).then(function (response) {
                if (response.ok && !response.redirected) return cache.put(link.href, response);
                return null;
              });
            });
          });
        }, Promise.resolve());
      }).catch(function () { return null; });  // the signal went: what was kept so far stays
    }

    // Starting without signal: the prepared blank pages become this assessment's pages.
    function startOffline(form) {
      var data = new FormData(form), id = data.get("id"), template = form.dataset.template;
      var others = (data.get("others") || "").split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
      var number = function (name) { return data.get(name) ? Number(data.get(name)) : null; };
      enqueue({
        type: "start", assessment: id, cooperative: Number(form.dataset.cooperative), name: form.dataset.cooperativeName,
        version: Number(form.dataset.version), visit_date: data.get("visit_date"),
        attendees: data.getAll("present").concat(others),
        latitude: number("latitude"), longitude: number("longitude"), accuracy_m: number("accuracy_m")
      });
      pages().then(function (cache) {
        return cache.keys().then(function (requests) {
          return Promise.all(requests.filter(function (request) { return request.url.indexOf(template) > 0; })
            .map(function (request) {
              return cache.match(request).then(function (response) { return response.text(); }).then(function (html) {
                return cache.put(request.url.split(template).join(id), new Response(html.split(template).join(id), {
                  headers: {"Content-Type": "text/html; charset=utf-8"}
                }));
              });
            }));
        });
      }).then(function () { return writing; }).then(function () {
        location.assign(form.dataset.first.split(template).join(id));
      });
    }

    function prepare(button) {
      fetch(button.dataset.prepare, {credentials: "same-origin"}).then(function (response) {
        return response.json();
      }).then(function (reply) {
        return pages().then(function (cache) { return cache.addAll(reply.urls); });
      }).then(function () {
        button.textContent = button.dataset.done;
        button.disabled = true;
      }, function () {
        button.textContent = button.dataset.failed;
      });
    }

    // The offline page: the ways on that this phone keeps for the user logged in on it.
    function waysOn(section) {
      var user = userCookie(), list = section.querySelector("ul");
      if (!user || !window.caches) return;
      caches.open(PAGES + user).then(function (cache) { return cache.keys(); }).then(function (requests) {
        return Promise.all(requests.filter(function (request) {
          return /^\/cooperatives\/\d+$/.test(new URL(request.url).pathname);
        }).map(function (request) {
          return caches.open(PAGES + user).then(function (cache) { return cache.match(request); }).then(function (r) {
            return r.text();
          }).then(function (html) {
            var title = (html.match(/<h1>([^<]*)<\/h1>/) || [])[1];
            var li = document.createElement("li"), a = li.appendChild(document.createElement("a"));
            a.href = request.url;
            a.innerHTML = "<strong></strong>";
            a.firstChild.textContent = title ? new DOMParser().parseFromString(title, "text/html").body.textContent : request.url;
            list.appendChild(li);
          });
        }));
      }).then(function () { section.hidden = !list.children.length; });
    }

    // A version 4 UUID; crypto.randomUUID exists only on https or localhost.
    function uuid() {
      if (crypto.randomUUID) return crypto.randomUUID();
      var b = crypto.getRandomValues(new Uint8Array(16)), h = "";
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      b.forEach(function (x) { h += (x + 256).toString(16).slice(1); });
      return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
    }

    function locate(event) {
      var form = event.target.form, status = form.querySelector("[data-location-status]");
      navigator.geolocation.getCurrentPosition(function (position) {
        var c = position.coords, metres = Math.round(c.accuracy);
        form.elements.latitude.value = c.latitude;
        form.elements.longitude.value = c.longitude;
        form.elements.accuracy_m.value = metres;
        status.textContent = status.dataset.found.replace("{m}", metres.toLocaleString(document.documentElement.lang));
      }, function () {
        status.textContent = status.dataset.failed;
      }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
    }

    htmx.onLoad(function (root) {
      // The browser names a new assessment, so a retried start opens the same one.
      root.querySelectorAll("[data-new-uuid]").forEach(function (input) { input.value = uuid(); });
      // A start form kept since an earlier day offers the phone's today, not the day it was kept.
      if (document.querySelector("main[data-kept]")) {
        root.querySelectorAll("form[data-start] input[name=visit_date]").forEach(function (input) {
          var now = new Date(), today = [now.getFullYear(), now.getMonth() + 1, now.getDate()].map(function (n) {
            return String(n).padStart(2, "0");
          }).join("-");
          if (input.value < today) input.value = today;
        });
      }
      if (navigator.geolocation) {
        root.querySelectorAll("[data-locate]").forEach(function (button) {
          button.hidden = false;
          button.addEventListener("click", locate);
        });
      }
      if (window.caches && me()) {
        root.querySelectorAll("[data-prepare]").forEach(function (button) {
          button.hidden = false;
          button.addEventListener("click", function () { prepare(button); });
        });
        keepVisit(root);
      }
      root.querySelectorAll("[data-print]").forEach(function (button) {
        button.hidden = false;
        button.addEventListener("click", function () { window.print(); });
      });
      root.querySelectorAll("[data-ways-on]").forEach(waysOn);
      if (window.indexedDB && me()) {
        overlay(root);
        if (root === document.body || root.tagName === "MAIN" || root.querySelector("main")) later(0);  // a new page
      }
    });

    // Every answer goes to the outbox the moment it is made, before htmx sends it (capture phase).
    document.addEventListener("change", function (event) {
      var fieldset = answerFieldset(event.target.closest && event.target.closest("fieldset"));
      if (!fieldset || event.target.type === "file") return;
      exclusive(fieldset, event.target);
      if (!window.indexedDB) return;
      var answer = answerOf(fieldset), op = enqueue({type: "answer", assessment: fieldset.closest("form").dataset.assessment,
        question: fieldset.dataset.question, value: answer.value, na: answer.na});
      fieldset.dataset.seq = op.seq;
      fieldset.dataset.ts = op.ts;
      state(fieldset, "waiting");
    }, true);

    // A photo taken goes to the outbox, small: htmx never sends the camera's original.
    document.addEventListener("change", function (event) {
      var input = event.target, form = input.closest && input.closest("form[data-assessment]");
      if (!input.dataset || !input.dataset.photo || !form || !input.files.length || !window.createImageBitmap ||
          !window.indexedDB) return;
      event.stopPropagation();
      var file = input.files[0];
      input.value = "";
      shrink(file).then(function (blob) {
        var op = enqueue({type: "photo", assessment: form.dataset.assessment, question: input.dataset.photo,
                          id: uuid(), blob: blob});
        queuedPhoto(form, op);
        return writing;
      }).then(function () { later(0); }, function () {
        say(input.closest(".photos"), form.dataset.saveFailed);
      });
    }, true);

    document.addEventListener("input", function (event) {
      var note = event.target, form = note.closest && note.closest("form[data-assessment]");
      if (!note.dataset || !note.dataset.note || !form || !window.indexedDB) return;
      var op = enqueue({type: "note", assessment: form.dataset.assessment, section: note.dataset.note, text: note.value});
      note.dataset.seq = op.seq;
      note.dataset.ts = op.ts;
    }, true);

    // Every change carries the phone's clocks: when it was made (ts) and when it is sent (sent), so the
    // server can order it among others and correct a phone whose clock is wrong.
    document.addEventListener("htmx:configRequest", function (event) {
      var elt = event.detail.elt;
      if (event.detail.verb === "get") return;
      event.detail.parameters.ts = elt.dataset.ts || Date.now();
      event.detail.parameters.sent = Date.now();
      if (elt.dataset.seq) event.detail.parameters.seq = elt.dataset.seq;
    });

    // The reply to a change htmx sent, read from the request itself: the page may have moved on.
    document.addEventListener("htmx:beforeSend", function (event) {
      var elt = event.detail.elt, xhr = event.detail.xhr, seq = Number(elt.dataset.seq);
      if (!seq || !xhr) return;
      sending[seq] = Date.now();
      if (answerFieldset(elt)) state(elt, "sending");
      xhr.addEventListener("loadend", function () { replied(elt, seq, xhr.status); });
    });

    // The server decided on the change: it leaves the outbox. A refused form token or an ended session,
    // a server error or no signal leaves it there, to be sent again.
    function replied(elt, seq, status) {
      delete sending[seq];
      var fieldset = answerFieldset(elt), result = fieldset && fieldset.querySelector(".status.not-applied");
      if (!status || status === 400 || status === 401 || status >= 500) {
        if (fieldset && status) state(fieldset, "waiting");
        later(status ? 0 : retry);
        return;
      }
      remove([seq]);
      if (fieldset && status === 200 && fieldset.isConnected) {
        var answer = result ? {value: result.dataset.value || null, na: "na" in result.dataset} : answerOf(fieldset);
        remember(fieldset.closest("form").dataset.assessment, fieldset.dataset.question, answer.value, answer.na);
        if (result) {
          showAnswer(fieldset, answer);
          relevance(fieldset.closest("form"));
        }
      }
    }

    // A refused form token on an answer is the outbox's business (it asks to log in), not an error page.
    document.addEventListener("htmx:beforeSwap", function (event) {
      if (answerFieldset(event.detail.elt) && [400, 401].indexOf(event.detail.xhr.status) >= 0) {
        event.detail.shouldSwap = false;
      }
    });

    // No signal: the change stays in the outbox, or the visit goes on with the prepared pages.
    document.addEventListener("htmx:sendError", function (event) {
      var elt = event.detail.elt, form = elt.closest("form"), trigger = event.detail.requestConfig.triggeringEvent;
      if (answerFieldset(elt)) {
        state(elt, "queued");
        relevance(form);
      } else if (elt.dataset.note && form.dataset.assessment) {
        say(event.detail.target, form.dataset.queued);
      } else if (elt.matches("form[data-start]")) {
        startOffline(elt);
      } else if (elt.matches("form[data-submit]")) {
        enqueue({type: "submit", assessment: elt.dataset.submit});
        say(elt, elt.dataset.queued);
      } else if (elt.matches("form[data-assessment]") && trigger && trigger.submitter) {
        var go = trigger.submitter.dataset.href;
        writing.then(function () { location.assign(go); });
      } else if (form && form.dataset.saveFailed) {
        say(event.detail.target, form.dataset.saveFailed);
      }
      showCount();
    });

    // A photo over the limit is refused before it is sent over a weak connection.
    document.addEventListener("htmx:beforeRequest", function (event) {
      var input = event.detail.elt, file = input.files && input.files[0];
      if (file && file.size > Number(input.dataset.maxBytes)) {
        event.preventDefault();
        say(event.detail.target, input.dataset.tooLarge);
        input.value = "";
      }
    });

    // Logging out needs the server: without signal the user stays logged in and keeps every kept page;
    // the pages go only once the server has ended the session. Unsent work stays (it is per user).
    document.addEventListener("submit", function (event) {
      var form = event.target, user = me();
      if (!form.matches("[data-logout]") || !window.fetch) return;
      event.preventDefault();
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual"})
        .then(function (response) {
          if (response.type !== "opaqueredirect" && !response.ok) return form.submit();  // the server's own answer
          return forget(user).catch(function () { return null; }).then(function () {  // logged out all the same
            location.assign(form.dataset.next);
          });
        }, function () {
          notice(form.dataset.offline);
        });
    });

    // Closing the tab while a change is being sent: what is not yet acknowledged goes with the page.
    window.addEventListener("pagehide", function () {
      var ops = Object.keys(unsent).map(function (seq) { return unsent[seq]; }).filter(function (op) {
        return op.type !== "photo";
      });
      if (!me() || !ops.length || navigator.onLine === false) return;
      fetch("/assessments/sync", {method: "POST", credentials: "same-origin", keepalive: true,
        body: JSON.stringify({ops: ops.slice(0, 50).map(wire), now: Date.now()}),
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}}).catch(function () { return null; });
    });

    // For a page's own script (attendance.js): the same outbox, sent the same way.
    window.siapkop = {enqueue: enqueue, pending: pending, flush: function () { later(0); }};
    window.addEventListener("online", function () { retry = 1000; showCount(); later(0); });
    window.addEventListener("offline", showCount);
    document.addEventListener("click", function (event) {
      if (event.target.matches && event.target.matches("[data-send-now]")) {
        retry = 1000;
        loginNeeded = false;
        later(0);
      }
    });
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js");
    if (window.indexedDB && me()) {
      outbox("readonly", function (s) { return s.getAllKeys(); }).then(function (keys) {
        lastSeq = Math.max.apply(null, [lastSeq].concat(keys));
      });
      showCount();
    }
  }
})();
