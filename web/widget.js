/* Wegwijzer chat widget over Rasa's socket.io channel.
 * Safety: bot and user text are only ever inserted with textContent / createTextNode (never innerHTML);
 * URLs become <a target="_blank" rel="noopener noreferrer"> built with DOM APIs, http(s) only. */
(function () {
  "use strict";
  var config = window.WEGWIJZER_CONFIG || {};
  var SESSION_KEY = "wegwijzer.session";
  var HISTORY_KEY = "wegwijzer.history";
  var MAX_HISTORY = 200;
  var URL_RE = /https?:\/\/[^\s<>"')\]]+[^\s<>"')\].,;:!?]/g;

  var log = document.getElementById("ww-log");
  var form = document.getElementById("ww-form");
  var input = document.getElementById("ww-input");
  var typing = document.getElementById("ww-typing");
  var statusLine = document.getElementById("ww-status");
  var resetButton = document.getElementById("ww-reset");
  var typingTimer = null;

  function newSessionId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }
  function sessionId() {
    var id = localStorage.getItem(SESSION_KEY);
    if (!id) { id = newSessionId(); localStorage.setItem(SESSION_KEY, id); }
    return id;
  }
  function loadHistory() {
    try { return JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]"); } catch (e) { return []; }
  }
  function saveHistory(items) {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(items.slice(-MAX_HISTORY)));
  }
  function remember(item) { var h = loadHistory(); h.push(item); saveHistory(h); }

  function appendText(parent, text) {
    var last = 0;
    String(text).replace(URL_RE, function (url, offset) {
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var a = document.createElement("a");
      a.href = url; a.textContent = url; a.target = "_blank"; a.rel = "noopener noreferrer";
      parent.appendChild(a);
      last = offset + url.length;
      return url;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function renderMessage(who, text) {
    var li = document.createElement("li");
    li.className = "ww-msg " + (who === "user" ? "ww-user" : "ww-bot");
    var hidden = document.createElement("span");
    hidden.className = "ww-visually-hidden";
    hidden.textContent = who === "user" ? "You said: " : "Wegwijzer: ";
    li.appendChild(hidden);
    appendText(li, text);
    log.appendChild(li);
    scrollDown();
  }

  function renderButtons(buttons, live) {
    if (!buttons || !buttons.length) return;
    var li = document.createElement("li");  // a list item holding a group (a list may only contain items)
    li.className = "ww-buttons";
    var group = document.createElement("div");
    group.className = "ww-button-group";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested replies");
    li.appendChild(group);
    buttons.forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.title;
      btn.disabled = !live;
      btn.addEventListener("click", function () { send(b.payload, b.title); });
      group.appendChild(btn);
    });
    log.appendChild(li);
    scrollDown();
  }

  function disableOldButtons() {
    Array.prototype.forEach.call(log.querySelectorAll(".ww-buttons button"), function (b) { b.disabled = true; });
  }

  function showTyping(on) {
    typing.hidden = !on;
    if (typingTimer) clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(function () { typing.hidden = true; }, 15000);
  }

  function restore() {
    loadHistory().forEach(function (item) {
      if (item.text) renderMessage(item.who, item.text);
      if (item.buttons) renderButtons(item.buttons, false);
    });
  }

  // Polling first, then WebSocket (socket.io's default). `route` is sent with every request of this connection so
  // that nginx keeps them on one Rasa replica (make run-scaled); it is random, not the conversation id.
  var socket = io(config.socketUrl || "http://localhost:5005", {
    transports: ["polling", "websocket"], query: { route: newSessionId() }, reconnectionDelayMax: 5000
  });

  socket.on("connect", function () {
    statusLine.textContent = "";
    socket.emit("session_request", { session_id: sessionId() });
  });
  socket.on("disconnect", function () { statusLine.textContent = "Connection lost, reconnecting…"; });
  socket.on("connect_error", function (err) {
    var tooFast = err && (err.description === 429 || (err.context && err.context.status === 429));  // nginx's limit
    statusLine.textContent = tooFast ? "You are sending messages very quickly. Please wait a moment, then try again."
      : "The assistant is not reachable right now. Please try again soon.";
  });

  socket.on("bot_uttered", function (msg) {
    showTyping(false);
    // the conversation was erased on the server (bot/core/privacy.py): drop this browser's copy, new session id
    if (msg && msg.wegwijzer === "conversation_erased") { newConversation(); return; }
    var buttons = (msg.quick_replies || msg.buttons || []).map(function (b) { return { title: b.title, payload: b.payload }; });
    var text = msg.text || "";
    if (!text && msg.attachment && msg.attachment.payload && msg.attachment.payload.src) text = msg.attachment.payload.src;
    if (text) renderMessage("bot", text);
    if (buttons.length) { disableOldButtons(); renderButtons(buttons, true); }
    remember({ who: "bot", text: text, buttons: buttons.length ? buttons : undefined });
  });

  function send(payload, shownText) {
    var text = (shownText || payload || "").trim();
    if (!payload || !payload.trim()) return;
    disableOldButtons();
    renderMessage("user", text);
    remember({ who: "user", text: text });
    showTyping(true);
    socket.emit("user_uttered", { message: payload, session_id: sessionId() });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text, text);
    input.focus();
  });

  function newConversation() {
    localStorage.removeItem(HISTORY_KEY);
    localStorage.setItem(SESSION_KEY, newSessionId());
    while (log.firstChild) log.removeChild(log.firstChild);
    socket.emit("session_request", { session_id: sessionId() });
  }

  resetButton.addEventListener("click", function () {
    newConversation();
    input.focus();
  });

  restore();
  window.wegwijzerChat = { send: send, sessionId: sessionId };
})();
