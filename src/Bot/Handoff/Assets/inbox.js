// OimBot inbox: live updates with Server-Sent Events. The stream only says "something changed"; the page then fetches
// the part it shows (the queue, or a case's transcript) with the user's own session.
(() => {
  "use strict";
  const live = document.querySelector("[data-live]");
  if (!live || !window.EventSource) return;
  const source = live.getAttribute("data-live");
  const baseTitle = document.title;
  let known = Number(live.getAttribute("data-count") || "0");

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

  async function refresh() {
    const response = await fetch(source, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
    if (response.redirected || !response.ok) return;
    live.innerHTML = await response.text(); // server-rendered, HTML-encoded by Razor
    const count = Number((live.querySelector("[data-count]") || live).getAttribute("data-count") || "0");
    if (count > known) {
      beep();
      document.title = `(${count}) ${baseTitle}`;
    } else if (count === 0) {
      document.title = baseTitle;
    }
    known = count;
  }

  const events = new EventSource("/inbox/events");
  events.addEventListener("changed", () => { refresh(); });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) document.title = baseTitle; });

  document.querySelectorAll("[data-canned]").forEach(select => {
    select.addEventListener("change", () => {
      const target = document.getElementById(select.getAttribute("data-canned"));
      if (target && select.value) {
        target.value = select.selectedOptions[0].getAttribute("data-text") || "";
        target.focus();
      }
      select.selectedIndex = 0;
    });
  });
})();
