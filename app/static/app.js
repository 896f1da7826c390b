// SiapKop's few enhancements on top of htmx, and, served as /sw.js, its service worker.
// Every page also works without this file. One module, no dependency.
//
// Offline, in short: pages a facilitator needs are cached by the worker (network first). An answer
// that cannot reach the server goes to the outbox (IndexedDB) and is shown as not yet sent; the
// outbox is sent to /assessments/sync when the signal returns, and only what the server
// acknowledged is removed. The merge rules are the server's (app/assessments/merge.py).
(function () {
  "use strict";
  var PAGES = "siapkop-pages";  // pages kept for the field; a deploy never deletes them, nor the outbox

  if (typeof window === "undefined") {
    worker();
  } else {
    page();
  }

  // ---- The service worker ---------------------------------------------------------------------

  function worker() {
    /* global VERSION, FILES */
    var STATIC = "siapkop-static-" + VERSION;

    self.addEventListener("install", function (event) {
      event.waitUntil(caches.open(STATIC).then(function (cache) { return cache.addAll(FILES); })
        .then(function () { return self.skipWaiting(); }));
    });

    self.addEventListener("activate", function (event) {
      event.waitUntil(caches.keys().then(function (keys) {
        return Promise.all(keys.filter(function (key) {
          return key.indexOf("siapkop-static-") === 0 && key !== STATIC;
        }).map(function (key) { return caches.delete(key); }));
      }).then(function () { return self.clients.claim(); }));
    });

    self.addEventListener("fetch", function (event) {
      var request = event.request, url = new URL(request.url);
      if (request.method !== "GET" || url.origin !== location.origin || url.pathname === "/sw.js") return;
      if (url.pathname.indexOf("/static/") === 0) {
        event.respondWith(cacheFirst(request));
      } else if (!request.headers.get("HX-Request") || request.headers.get("HX-Boosted")) {
        event.respondWith(networkFirst(request));  // whole pages; htmx fragments go to the network only
      }
    });
  }

  function cacheFirst(request) {
    return caches.match(request).then(function (hit) {
      return hit || fetch(request).catch(function () {
        return caches.match(request, {ignoreSearch: true});  // a page cached before a deploy
      });
    });
  }

  function networkFirst(request) {
    return fetch(request).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.ok && !response.redirected && type.indexOf("text/html") === 0) {
        var copy = response.clone();
        caches.open(PAGES).then(function (cache) { return cache.put(request.url, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request.url, {ignoreVary: true}).then(function (hit) {
        return hit || caches.match("/offline", {ignoreVary: true});
      });
    });
  }

  // ---- The page ---------------------------------------------------------------------------------

  function page() {
    var idb = null, flushing = false, retry = 1000, timer = null, writing = Promise.resolve();

    function database() {
      idb = idb || new Promise(function (resolve, reject) {
        var request = indexedDB.open("siapkop", 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore("outbox", {keyPath: "seq", autoIncrement: true});
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
      return idb;
    }

    // Run work(store) in one transaction; resolves with the value of the request it returns.
    function outbox(mode, work) {
      return database().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction("outbox", mode), request = work(tx.objectStore("outbox"));
          tx.oncomplete = function () { resolve(request && request.result); };
          tx.onerror = function () { reject(tx.error); };
        });
      });
    }

    // This user's queued changes, oldest first.
    function pending() {
      var user = document.body.dataset.user;
      return outbox("readonly", function (store) { return store.getAll(); }).then(function (ops) {
        return ops.filter(function (op) { return op.user === user; });
      });
    }

    function enqueue(op) {
      op.user = document.body.dataset.user;
      op.ts = Date.now();
      writing = writing.then(function () {
        return outbox("readwrite", function (store) { return store.add(op); });
      }).then(showCount);
      later(0);
      return writing;
    }

    function showCount() {
      var box = document.getElementById("outbox");
      return pending().then(function (ops) {
        var n = ops.filter(function (op) { return op.type === "answer"; }).length;
        if (!box) return;
        box.hidden = n === 0;
        box.textContent = box.dataset.message.replace("{n}", n.toLocaleString(document.documentElement.lang));
      });
    }

    function later(delay) {
      clearTimeout(timer);
      timer = setTimeout(flush, delay);
    }

    // Send the outbox; remove what the server acknowledged; on failure try again later, less often.
    function flush() {
      if (flushing || navigator.onLine === false) return;
      flushing = true;
      writing.then(pending).then(function (ops) {
        if (!ops.length) return null;
        var batch = ops.slice(0, 200);
        return fetch("/assessments/sync", {
          method: "POST", credentials: "same-origin", body: JSON.stringify({ops: batch}),
          headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}
        }).then(function (response) {
          if (!response.ok) throw new Error("sync " + response.status);
          return response.json();
        }).then(function (reply) {
          retry = 1000;
          return acknowledge(batch, reply.results).then(function () { if (ops.length > batch.length) later(0); });
        });
      }).catch(function () {
        later(retry);
        retry = Math.min(retry * 2, 60000);
      }).then(function () {
        flushing = false;
        showCount();
      });
    }

    function acknowledge(batch, results) {
      var sent = {};
      batch.forEach(function (op) { sent[op.seq] = op; });
      return outbox("readwrite", function (store) {
        results.forEach(function (result) { if (sent[result.seq]) store.delete(result.seq); });
      }).then(function () {
        var form = document.querySelector("form[data-assessment]"), submit = document.querySelector("form[data-submit]");
        results.forEach(function (result) {
          var op = sent[result.seq], status = op && form && op.type === "answer" &&
            form.dataset.assessment === op.assessment && form.querySelector("#status-" + op.question);
          if (!result.ok) notice(result.message);
          else if (status) {
            status.className = "status saved";
            status.textContent = form.dataset.sent;
          } else if (op && op.type === "submit" && submit && submit.dataset.submit === op.assessment) location.reload();
        });
      });
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
    function say(detail, message) {
      var target = detail.target, status;
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
      return {na: !!(na && na.checked), value: checked ? checked.value : box ? box.value : null};
    }

    function showAnswer(fieldset, op, message) {
      fieldset.querySelectorAll("input[type=radio]").forEach(function (radio) { radio.checked = radio.value === op.value; });
      var box = fieldset.querySelector("input[type=number], input[type=date], textarea"),
        na = fieldset.querySelector("input[name=na]"), status = fieldset.querySelector(".status");
      if (box) box.value = op.value || "";
      if (na) na.checked = op.na;
      if (status) {
        status.className = "status queued";
        status.textContent = message;
      }
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

    // Queued changes win over what the page was served with: they are newer.
    function overlay(root) {
      var form = root.querySelector("form[data-assessment]"), submit = root.querySelector("form[data-submit]");
      if (!form && !submit) return;
      var id = form ? form.dataset.assessment : submit.dataset.submit;
      pending().then(function (ops) {
        ops.filter(function (op) { return op.assessment === id; }).forEach(function (op) {
          var fieldset = form && form.querySelector('[data-question="' + op.question + '"]'),
            crumb = root.querySelector("[data-crumb]"), note = form && form.querySelector('[data-note="' + op.section + '"]');
          if (op.type === "answer" && fieldset) showAnswer(fieldset, op, form.dataset.queued);
          if (op.type === "note" && note) note.value = op.text;
          if (op.type === "start" && crumb && !crumb.textContent.trim()) {
            crumb.textContent = op.name + " · " + new Date(op.visit_date + "T00:00").toLocaleDateString(
              document.documentElement.lang, {day: "numeric", month: "long", year: "numeric"});
          }
          if (submit) submit.querySelector("button").disabled = false;
        });
        if (form) relevance(form);
      });
    }

    // ---- Starting without signal: the prepared blank pages become this assessment's pages

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
      caches.open(PAGES).then(function (cache) {
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
        return caches.open(PAGES).then(function (cache) { return cache.addAll(reply.urls); });
      }).then(function () {
        button.textContent = button.dataset.done;
        button.disabled = true;
      }, function () {
        button.textContent = button.dataset.failed;
      });
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
      if (navigator.geolocation) {
        root.querySelectorAll("[data-locate]").forEach(function (button) {
          button.hidden = false;
          button.addEventListener("click", locate);
        });
      }
      if (window.caches) {
        root.querySelectorAll("[data-prepare]").forEach(function (button) {
          button.hidden = false;
          button.addEventListener("click", function () { prepare(button); });
        });
      }
      root.querySelectorAll("[data-print]").forEach(function (button) {
        button.hidden = false;
        button.addEventListener("click", function () { window.print(); });
      });
      if (window.indexedDB && document.body.dataset.user) overlay(root);
    });

    // Every change carries the phone's clock, so the server keeps the newest of two changes.
    document.addEventListener("htmx:configRequest", function (event) {
      if (event.detail.verb !== "get") event.detail.parameters.ts = Date.now();
    });

    // No signal: keep the change in the outbox, or go on with the prepared pages.
    document.addEventListener("htmx:sendError", function (event) {
      var elt = event.detail.elt, form = elt.closest("form"), trigger = event.detail.requestConfig.triggeringEvent;
      if (elt.dataset.question && form.dataset.assessment) {
        var answer = answerOf(elt);
        enqueue({type: "answer", assessment: form.dataset.assessment, question: elt.dataset.question,
                 value: answer.value, na: answer.na});
        showAnswer(elt, answer, form.dataset.queued);
        relevance(form);
      } else if (elt.dataset.note && form.dataset.assessment) {
        enqueue({type: "note", assessment: form.dataset.assessment, section: elt.dataset.note, text: elt.value});
        say(event.detail, form.dataset.queued);
      } else if (elt.matches("form[data-start]")) {
        startOffline(elt);
      } else if (elt.matches("form[data-submit]")) {
        enqueue({type: "submit", assessment: elt.dataset.submit});
        say({target: elt}, elt.dataset.queued);
      } else if (elt.matches("form[data-assessment]") && trigger && trigger.submitter) {
        var go = trigger.submitter.dataset.href;
        writing.then(function () { location.assign(go); });
      } else if (form && form.dataset.saveFailed) {
        say(event.detail, form.dataset.saveFailed);
      }
    });

    // A photo over the limit is refused before it is sent over a weak connection.
    document.addEventListener("htmx:beforeRequest", function (event) {
      var input = event.detail.elt, file = input.files && input.files[0];
      if (file && file.size > Number(input.dataset.maxBytes)) {
        event.preventDefault();
        say(event.detail, input.dataset.tooLarge);
        input.value = "";
      }
    });

    // Someone else may use this phone next: their pages go, unsent work stays (it is per user).
    document.addEventListener("submit", function (event) {
      if (event.target.matches("[data-logout]") && window.caches) caches.delete(PAGES);
    });

    window.addEventListener("online", function () { retry = 1000; later(0); });
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js");
    if (window.indexedDB && document.body.dataset.user) {
      showCount();
      later(0);
    }
  }
})();
