// The attendance page's taps, through app.js's outbox (window.siapkop): a tap goes to the outbox first,
// shows "Menunggu dikirim", and says "Terkirim" only once the server has acknowledged it. Loaded by that
// page alone; without it (or without IndexedDB) each row is a plain form the server answers.
(function () {
  "use strict";
  if (window.siapkopAttendance) return setUp(document);  // opened again by a boosted link
  window.siapkopAttendance = true;

  function rows() { return document.querySelectorAll("form[data-attendance]"); }

  function row(session, participant, day) {
    return document.querySelector('form[data-attendance][data-session="' + session + '"][data-participant="' +
      participant + '"][data-day="' + day + '"]');
  }

  // A row as it now stands: present or not, and where its change is (waiting, sent, or refused).
  function show(form, present, state, message) {
    var button = form.querySelector("button"), mark = form.querySelector(".mark"),
      status = form.querySelector(".status");
    button.classList.toggle("present", present);
    button.setAttribute("aria-pressed", String(present));
    mark.textContent = present ? mark.dataset.yes : mark.dataset.no;
    form.elements.present.value = present ? "0" : "1";
    status.className = "status " + state;
    status.textContent = message || status.dataset[state] || "";
  }

  function recount() {
    var count = document.getElementById("attendance-count"), lang = document.documentElement.lang, all = rows(),
      here = Array.prototype.filter.call(all, function (form) { return form.elements.present.value === "0"; });
    if (count && all.length) {
      count.textContent = count.dataset.message.replace("{n}", here.length.toLocaleString(lang))
        .replace("{m}", all.length.toLocaleString(lang));
    }
  }

  // Taps not yet acknowledged win over what the page was served with (a kept copy, offline): they are newer.
  function setUp(root) {
    if (!window.siapkop || !root.querySelector || !root.querySelector("form[data-attendance]")) return;
    window.siapkop.pending().then(function (ops) {
      ops.forEach(function (op) {
        var form = op.type === "attendance" && row(op.session, op.participant, op.day);
        if (!form) return;
        form.dataset.seq = op.seq;
        show(form, op.present, "waiting");
      });
      recount();
    });
  }

  var refresh = null;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-attendance]") || !window.siapkop || !window.indexedDB) return;
    event.preventDefault();
    event.stopPropagation();  // not htmx's: the outbox sends it
    var present = form.elements.present.value === "1", op = window.siapkop.enqueue({
      type: "attendance", session: Number(form.dataset.session), participant: Number(form.dataset.participant),
      day: Number(form.dataset.day), present: present});
    form.dataset.seq = op.seq;
    show(form, present, "waiting");
    recount();
    window.siapkop.flush();
  }, true);

  // The server decided: what stands is shown (another device's later change may); the page kept for
  // offline use is fetched again, through the worker, so a reload without signal shows it too.
  document.addEventListener("siapkop:ack", function (event) {
    var op = event.detail.op, result = event.detail.result, form;
    if (op.type !== "attendance") return;
    form = row(op.session, op.participant, op.day);
    if (!form || Number(form.dataset.seq) > op.seq) return;  // a newer tap is on its way
    if (result.ok) show(form, result.present, "sent");
    else show(form, !op.present, "error", result.message);
    recount();
    clearTimeout(refresh);
    refresh = setTimeout(function () {
      fetch(location.href, {credentials: "same-origin"}).catch(function () { return null; });
    }, 500);
  });

  setUp(document);
  if (window.htmx) window.htmx.onLoad(setUp);
})();
