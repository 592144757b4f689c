// OimBot inbox: live updates with Server-Sent Events. The stream only says "something changed"; the page then fetches
// the part it shows (the queue, or a case's transcript) with the user's own session. Requests the page makes by itself
// say so (X-Requested-With: fetch; the stream by its path): they never renew the session, only the person's own do.
(() => {
  "use strict";

  // Drafts: what is typed in a case's boxes is kept in this tab's sessionStorage, never localStorage (it may hold a
  // migrant's personal data and must not outlive the tab), so a session that ended before Send loses nothing: the
  // sign-in leads back to the case and the text is in its box again. Kept until the server confirms it was sent (the
  // page after the form says so: data-draft-sent="true") and cleared on sign-out.
  const DRAFTS = "oimbot.draft.";
  const storage = (() => { try { return window.sessionStorage; } catch { return null; } })();

  function read(key) {
    try { return JSON.parse(storage.getItem(key) || "null"); } catch { return null; }
  }

  if (storage) {
    document.querySelectorAll("textarea[data-draft]").forEach(box => {
      const key = DRAFTS + box.getAttribute("data-draft");
      const save = sending => {
        if (box.value.trim()) storage.setItem(key, JSON.stringify({ text: box.value, sending }));
        else storage.removeItem(key);
      };
      const saved = read(key);
      if (saved && saved.sending && box.getAttribute("data-draft-sent") === "true") {
        storage.removeItem(key); // sent: the page after the form says so
      } else if (saved && saved.text && !box.value) {
        box.value = saved.text;
        const note = document.createElement("p");
        note.className = "notice";
        note.id = `${box.id}-restored`;
        note.textContent = saved.sending
          ? "Esto no se envió (la sesión había terminado): lo guardamos en esta pestaña. Revísalo y vuelve a pulsar el botón."
          : "Se recuperó lo que habías escrito aquí (se guarda solo en esta pestaña).";
        box.before(note);
      }

      if (box.value) save(false);
      box.addEventListener("input", () => save(false));
      if (box.form) box.form.addEventListener("submit", () => save(true));
    });

    document.querySelectorAll("form.signout").forEach(form => form.addEventListener("submit", () => {
      Object.keys(storage).filter(key => key.startsWith(DRAFTS)).forEach(key => storage.removeItem(key));
    }));
  }

  // A form whose effect reaches the person and cannot be undone (closing a case sends the goodbye; disabling a colleague
  // hands their cases back and tells each person) asks first: one click, or Enter on the wrong row, had done it.
  document.querySelectorAll("form[data-confirm]").forEach(form => form.addEventListener("submit", event => {
    if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  }));

  // A ready-made answer goes where the caseworker left the cursor, or after what they wrote with a blank line between;
  // what they typed is never replaced (it had been, whole). Until they have been in the box the cursor is unknown
  // (a textarea's caret starts at 0), so the answer goes at the end.
  document.querySelectorAll("[data-canned]").forEach(select => {
    const target = document.getElementById(select.getAttribute("data-canned"));
    if (!target) return;
    let caretKnown = false;
    target.addEventListener("focus", () => { caretKnown = true; });
    select.addEventListener("change", () => {
      const text = select.value ? select.selectedOptions[0].getAttribute("data-text") || "" : "";
      select.selectedIndex = 0;
      if (!text) return;
      const value = target.value;
      const at = value.trim() === "" ? value.length : caretKnown ? target.selectionEnd : value.length;
      const before = value.slice(0, at);
      const after = value.slice(at);
      const lead = before.trim() === "" || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
      const trail = after.trim() === "" || after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
      const insert = lead + text + trail;
      target.focus();
      target.setRangeText(insert, at, at, "end");
      target.setSelectionRange(at + lead.length + text.length, at + lead.length + text.length);
      target.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });

  const live = document.querySelector("[data-live]");
  if (!live || !window.EventSource) return;
  const source = live.getAttribute("data-live");
  const baseTitle = document.title;
  let known = Number(live.getAttribute("data-count") || "0");

  // The session ended (the live updates no longer renew it): say so once, with the way back to this page.
  function ended() {
    if (document.getElementById("session-ended")) return;
    const notice = document.createElement("p");
    notice.className = "error";
    notice.id = "session-ended";
    notice.setAttribute("role", "alert");
    notice.append("Tu sesión terminó y esta página ya no se actualiza. Lo que escribiste se guarda en esta pestaña. ");
    const link = document.createElement("a");
    link.href = `/inbox/login?ReturnUrl=${encodeURIComponent(location.pathname)}`;
    link.textContent = "Entrar de nuevo";
    notice.append(link);
    const main = document.querySelector("main");
    if (main) main.prepend(notice);
  }

  function beep() {
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.08;
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.2);
    } catch { /* no sound where audio is not allowed */ }
  }

  // The queue's polite live region: a screen reader hears that a case arrived, with its priority, topic and language
  // (the row's data-announce, written by the server), never who wrote or what.
  const news = document.getElementById("queue-news");
  const references = () => new Set([...live.querySelectorAll("tr[data-reference]")].map(row => row.getAttribute("data-reference")));

  function announce(rows) {
    if (!news || rows.length === 0) return;
    const said = rows.map(row => row.getAttribute("data-announce")).join("; ");
    // Emptied first, so that the same words for a second case are read again.
    news.textContent = "";
    setTimeout(() => { news.textContent = (rows.length === 1 ? "Caso nuevo: " : `${rows.length} casos nuevos: `) + said + "."; }, 100);
  }

  // One refresh at a time: two "changed" events close together had both read the rows before either replaced them, so
  // a case was announced twice and the live region emptied between the two (a screen reader could hear nothing).
  let queued = Promise.resolve(true);
  function refresh() {
    queued = queued.catch(() => true).then(refreshNow);
    return queued;
  }

  // False once the session has ended (and the page says so).
  async function refreshNow() {
    const response = await fetch(source, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
    if (response.status === 401) { ended(); return false; }
    if (response.redirected || !response.ok) return true;
    const before = references();
    live.innerHTML = await response.text(); // server-rendered, HTML-encoded by Razor
    announce([...live.querySelectorAll("tr[data-reference][data-announce]")].filter(row => !before.has(row.getAttribute("data-reference"))));
    const count = Number((live.querySelector("[data-count]") || live).getAttribute("data-count") || "0");
    if (count > known) {
      beep();
      document.title = `(${count}) ${baseTitle}`;
    } else if (count === 0) {
      document.title = baseTitle;
    }
    known = count;
    return true;
  }

  function listen() {
    const events = new EventSource("/inbox/events");
    events.addEventListener("changed", () => { refresh(); });
    // The server ended the stream: the session it was opened with expired, was signed out or its account disabled. Asked
    // once more with this tab's cookie (another tab may have renewed the session): 401 shows the notice, else listen again.
    events.addEventListener("ended", async () => {
      events.close();
      if (await refresh().catch(() => true)) listen();
    });
    // A stream refused (401 once the session ended) is closed for good; a dropped one reconnects by itself.
    events.addEventListener("error", () => { if (events.readyState === EventSource.CLOSED) ended(); });
  }

  listen();
  document.addEventListener("visibilitychange", () => { if (!document.hidden) document.title = baseTitle; });
})();
