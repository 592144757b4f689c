// OimBot web chat. Talks to POST /api/webchat/messages; keeps the conversation id only for this tab (sessionStorage),
// so closing the tab leaves nothing behind on a shared phone. Messages that fail to send are kept and can be retried.
(() => {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const sendButton = document.getElementById("send");
  const status = document.getElementById("status");
  const storageKey = "oimbot.conversation";

  const randomId = () => (crypto.randomUUID ? crypto.randomUUID() : Array.from(crypto.getRandomValues(new Uint8Array(16)), b => b.toString(16).padStart(2, "0")).join(""));
  let conversationId = sessionStorage.getItem(storageKey);
  if (!conversationId) {
    conversationId = randomId();
    sessionStorage.setItem(storageKey, conversationId);
  }

  const scroll = () => { log.scrollTop = log.scrollHeight; };

  function addRow(kind, text) {
    const row = document.createElement("div");
    row.className = `row ${kind}`;
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = text; // set as text, never parsed as HTML: a message is shown, not run
    row.append(bubble);
    log.append(row);
    scroll();
    return row;
  }

  const pickChoice = choice => send({ choiceId: choice.id }, choice.label);

  function addChoices(row, choices, onPick = pickChoice) {
    if (!choices || choices.length === 0) return;
    const box = document.createElement("div");
    box.className = "choices";
    choices.forEach((choice, index) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.dataset.choiceId = choice.id;
      const number = document.createElement("span");
      number.className = "n";
      number.textContent = String(index + 1);
      const label = document.createElement("span");
      label.textContent = choice.label;
      button.append(number, label);
      button.addEventListener("click", () => {
        box.classList.add("used");
        onPick(choice);
      });
      box.append(button);
    });
    row.append(box);
    scroll();
  }

  function showTyping() {
    const typing = document.createElement("div");
    typing.className = "typing";
    typing.textContent = "…";
    typing.setAttribute("aria-label", "escribiendo");
    log.append(typing);
    scroll();
    return typing;
  }

  async function send(payload, shownText, existingRow) {
    const messageId = payload.messageId || randomId();
    const body = { conversationId, messageId, ...payload };
    const row = existingRow || addRow("user", shownText);
    row.classList.remove("failed");
    row.querySelectorAll(".meta, .retry").forEach(el => el.remove());
    const typing = showTyping();
    sendButton.disabled = true;
    try {
      const response = await fetch("/api/webchat/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const data = await response.json().catch(() => ({}));
      typing.remove();
      if (!response.ok) {
        failed(row, body, shownText, data.detail || `Error ${response.status}`, response.status >= 500);
        return;
      }
      status.textContent = "en línea · online";
      let first = null;
      for (const reply of data.replies || []) {
        const botRow = addRow("bot", reply.text);
        addChoices(botRow, reply.choices);
        first ??= botRow;
      }
      // A long answer is read from its first line, not from its buttons.
      if (first && first.offsetHeight > log.clientHeight * 0.7) first.scrollIntoView({ block: "start" });
    } catch {
      typing.remove();
      status.textContent = "sin conexión · offline";
      failed(row, body, shownText, "No se pudo enviar · Not sent", true);
    } finally {
      sendButton.disabled = false;
    }
  }

  function failed(row, body, shownText, reason, canRetry) {
    row.classList.add("failed");
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = reason;
    row.append(meta);
    if (canRetry) {
      const retry = document.createElement("button");
      retry.type = "button";
      retry.className = "retry";
      retry.textContent = "Reintentar · Retry";
      // The same messageId: if the first attempt did arrive, the bot answers once.
      retry.addEventListener("click", () => send(body, shownText, row));
      row.append(retry);
    }
    scroll();
  }

  form.addEventListener("submit", event => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    input.style.height = "";
    send({ text }, text);
  });

  input.addEventListener("keydown", event => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  input.addEventListener("input", () => {
    input.style.height = "";
    input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
  });

  // Quick exit: forget this conversation in the tab and leave the page without a back-button trail.
  document.getElementById("exit").addEventListener("click", () => {
    sessionStorage.removeItem(storageKey);
    log.replaceChildren();
    location.replace("about:blank");
  });

  // Messages from a person of the team arrive without a request of ours: ask for them every few seconds.
  async function poll() {
    if (document.hidden) return;
    try {
      const response = await fetch(`/api/webchat/messages?conversationId=${encodeURIComponent(conversationId)}`);
      if (!response.ok) return;
      const data = await response.json();
      for (const reply of data.replies || []) {
        const row = addRow("bot", reply.text);
        addChoices(row, reply.choices);
      }
    } catch { /* offline: the next poll tries again */ }
  }
  setInterval(poll, 3000);

  // A first tap that writes a greeting, so the language of the first message is the user's own choice.
  const intro = addRow("bot", "Escribe «hola» para empezar.\nType «hello» to start.");
  addChoices(intro, [{ id: "hola", label: "Hola" }, { id: "hello", label: "Hello" }], choice => send({ text: choice.label }, choice.label));
  input.focus();
})();
