// The local chat simulator. Plain DOM, no framework, no build step, no network but our API.
// All user and bot text goes through textContent, never innerHTML: bot replies quote what
// citizens typed (names, addresses), so treating any of it as markup would be an XSS hole.
"use strict";

(function () {
  const API = "api/simulator/messages";
  const USER_KEY = "dtsen-simulator-user";
  // The conversation as shown, so that a reload shows it again instead of starting over.
  // sessionStorage, not localStorage: it survives a reload but not the closed tab, so what
  // a citizen typed (a NIK) does not stay on a shared phone.
  const HISTORY_KEY = "dtsen-simulator-history";
  const HISTORY_LIMIT = 300;
  const REQUEST_TIMEOUT_MS = 60000;

  const messages = document.getElementById("messages");
  const composer = document.getElementById("composer");
  const textInput = document.getElementById("text");
  const sendButton = document.getElementById("send");
  const attachments = document.getElementById("attachments");
  const photoButton = document.getElementById("photo-button");
  const photoInput = document.getElementById("photo-input");
  const locationButton = document.getElementById("location-button");
  const locationForm = document.getElementById("location-form");
  const locationText = document.getElementById("location-text");
  const locationError = document.getElementById("location-error");
  const resetButton = document.getElementById("reset");

  const RESUME_NOTE =
    "Percakapan Anda masih tersimpan. Ketik jawaban untuk melanjutkan, atau \"menu\".";

  let busy = false;
  let typingBubble = null;

  // ---- identity: one random id per browser, kept across reloads ----

  function newUserId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return "web-" + window.crypto.randomUUID();
    }
    // randomUUID needs a secure context; a LAN address over http is not one.
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function userId() {
    let id = null;
    try {
      id = window.localStorage.getItem(USER_KEY);
    } catch (e) {
      // Storage can be disabled (private mode); a per-page id still works.
    }
    if (!id) {
      id = newUserId();
      rememberUser(id);
    }
    return id;
  }

  function rememberUser(id) {
    try {
      window.localStorage.setItem(USER_KEY, id);
    } catch (e) {
      /* see userId() */
    }
  }

  const returning = storedUser() !== null;
  let currentUser = userId();

  function storedUser() {
    try {
      return window.localStorage.getItem(USER_KEY);
    } catch (e) {
      return null;
    }
  }

  // ---- history: every bubble and reply, per user ----

  function loadHistory() {
    try {
      const saved = JSON.parse(window.sessionStorage.getItem(HISTORY_KEY) || "null");
      if (saved && saved.user === currentUser && Array.isArray(saved.items)) return saved.items;
    } catch (e) {
      /* unreadable or disabled storage: start without history */
    }
    return [];
  }

  let history = loadHistory();

  function remember(item) {
    history.push(item);
    if (history.length > HISTORY_LIMIT) history = history.slice(-HISTORY_LIMIT);
    try {
      window.sessionStorage.setItem(
        HISTORY_KEY, JSON.stringify({ user: currentUser, items: history })
      );
    } catch (e) {
      /* full or disabled: the conversation still works, only a reload forgets it */
    }
  }

  function forgetHistory() {
    history = [];
    try {
      window.sessionStorage.removeItem(HISTORY_KEY);
    } catch (e) {
      /* see remember() */
    }
  }

  // ---- rendering ----

  function scrollToEnd() {
    messages.scrollTop = messages.scrollHeight;
  }

  function bubble(kind, text) {
    const div = document.createElement("div");
    div.className = "msg " + kind;
    div.textContent = text;
    messages.appendChild(div);
    scrollToEnd();
    return div;
  }

  function photoBubble(dataUrl) {
    const div = document.createElement("div");
    div.className = "msg user photo";
    const img = document.createElement("img");
    img.src = dataUrl;
    img.alt = "Foto yang Anda kirim";
    div.appendChild(img);
    messages.appendChild(div);
    img.addEventListener("load", scrollToEnd);
    scrollToEnd();
  }

  function choiceButtons(reply) {
    const group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Pilihan");
    reply.choices.forEach((choice, index) => {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.choice = choice.id;
      // numbered=false: the reply text uses numbers for something else (the summary).
      button.textContent = reply.numbered ? index + 1 + ". " + choice.label : choice.label;
      button.addEventListener("click", () => {
        if (busy) return;
        send({ choice: choice.id }, () => userBubble(choice.label));
      });
      group.appendChild(button);
    });
    messages.appendChild(group);
    scrollToEnd();
    return group;
  }

  // Once the user answers, earlier buttons can no longer be pressed (the bot would call
  // them stale anyway) and fold away; the user's own bubble shows what was picked.
  function retireChoices() {
    messages.querySelectorAll(".choices:not(.retired)").forEach((group) => {
      group.classList.add("retired");
      group.querySelectorAll("button").forEach((b) => {
        b.disabled = true;
      });
    });
  }

  function showTyping(on) {
    if (on && !typingBubble) {
      typingBubble = document.createElement("div");
      typingBubble.className = "typing";
      typingBubble.setAttribute("aria-label", "Bot sedang mengetik");
      typingBubble.textContent = "•••";
      messages.appendChild(typingBubble);
      scrollToEnd();
    } else if (!on && typingBubble) {
      typingBubble.remove();
      typingBubble = null;
    }
  }

  function setExpecting(expects) {
    photoButton.hidden = expects !== "photo";
    locationButton.hidden = expects !== "location";
    attachments.hidden = photoButton.hidden && locationButton.hidden;
    if (expects !== "location") hideLocationForm();
  }

  function userBubble(text) {
    remember({ kind: "user", text: text });
    return bubble("user", text);
  }

  function renderReplies(replies, record) {
    let lastChoices = null;
    replies.forEach((reply) => {
      if (record) remember({ kind: "bot", reply: reply });
      bubble("bot", reply.text);
      if (reply.choices && reply.choices.length) lastChoices = choiceButtons(reply);
    });
    const last = replies[replies.length - 1];
    setExpecting(last ? last.expects : "text");
    scrollToEnd(); // the composer may have grown (photo/location button): stay at the end
    return lastChoices;
  }

  // ---- sending ----

  function setBusy(on) {
    busy = on;
    sendButton.disabled = on;
    photoButton.disabled = on;
    locationButton.disabled = on;
    showTyping(on);
  }

  async function send(payload, showOwnBubble) {
    if (busy) return;
    const hadFocus = document.activeElement;
    retireChoices();
    if (showOwnBubble) showOwnBubble();
    setBusy(true);
    let replies = null;
    try {
      const response = await fetch(API, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({ user: currentUser }, payload)),
        // Never leave the typing dots up forever on a hung server.
        signal: AbortSignal.timeout ? AbortSignal.timeout(REQUEST_TIMEOUT_MS) : undefined,
      });
      if (response.status === 413) {
        throw new Error("Foto terlalu besar untuk dikirim. Pilih foto yang lebih kecil.");
      }
      if (!response.ok) throw new Error("Server menjawab " + response.status + ".");
      replies = (await response.json()).replies;
    } catch (error) {
      let detail = error.message;
      if (error instanceof TypeError) detail = "Periksa koneksi ke server.";
      if (error.name === "TimeoutError") detail = "Server tidak menjawab.";
      bubble("system", "Pesan gagal dikirim. " + detail + " Coba lagi.");
    } finally {
      setBusy(false);
    }
    if (!replies) return;
    const choices = renderReplies(replies, true);
    // Keep keyboard users in the conversation: their button was just disabled.
    if (hadFocus && hadFocus.closest && hadFocus.closest(".choices")) {
      const first = choices && choices.querySelector("button");
      (first || textInput).focus();
    }
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = textInput.value.trim();
    if (!text || busy) return;
    textInput.value = "";
    send({ text: text }, () => userBubble(text));
  });

  // ---- photo ----

  const PHOTO_SENT = "Foto dikirim";

  photoButton.addEventListener("click", () => photoInput.click());

  photoInput.addEventListener("change", () => {
    const file = photoInput.files && photoInput.files[0];
    photoInput.value = ""; // choosing the same file again must fire `change` again
    if (!file) return;
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      const dataUrl = String(reader.result);
      send({ photo: dataUrl }, () => {
        // The picture itself is too large to keep; a reload shows that one was sent.
        remember({ kind: "user", text: PHOTO_SENT });
        photoBubble(dataUrl);
      });
    });
    reader.addEventListener("error", () => {
      bubble("system", "Foto tidak bisa dibaca. Coba pilih foto lain.");
    });
    reader.readAsDataURL(file);
  });

  // ---- location ----

  function formatLocation(lat, lon) {
    // Plain text, no emoji: machines without an emoji font would show an empty box.
    return "Lokasi dibagikan: " + lat.toFixed(5) + ", " + lon.toFixed(5);
  }

  function sendLocation(lat, lon) {
    hideLocationForm();
    send({ location: { lat: lat, lon: lon } }, () => userBubble(formatLocation(lat, lon)));
  }

  function showLocationForm(reason) {
    locationForm.hidden = false;
    locationError.textContent = reason || "";
    scrollToEnd();
    locationText.focus();
  }

  function hideLocationForm() {
    locationForm.hidden = true;
    locationError.textContent = "";
    locationText.value = "";
  }

  locationButton.addEventListener("click", () => {
    if (!navigator.geolocation) {
      showLocationForm("Perangkat ini tidak bisa membagikan lokasi. Ketik saja.");
      return;
    }
    locationButton.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        locationButton.disabled = false;
        sendLocation(position.coords.latitude, position.coords.longitude);
      },
      () => {
        locationButton.disabled = false;
        showLocationForm("Lokasi tidak bisa diambil otomatis. Ketik saja.");
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  });

  locationForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const parts = locationText.value.split(",").map((p) => p.trim());
    const lat = Number(parts[0]);
    const lon = Number(parts[1]);
    const valid =
      parts.length === 2 && parts[0] !== "" && parts[1] !== "" &&
      Number.isFinite(lat) && Number.isFinite(lon) &&
      Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
    if (!valid) {
      locationError.textContent = "Tulis dua angka dipisah koma, contoh: -6.2088, 106.8456";
      locationText.focus();
      return;
    }
    sendLocation(lat, lon);
  });

  // ---- start over ----

  resetButton.addEventListener("click", () => {
    if (busy) return;
    currentUser = newUserId();
    rememberUser(currentUser);
    forgetHistory();
    messages.replaceChildren();
    setExpecting("text");
    send({ text: "menu" });
  });

  // ---- opening the page ----

  function restore(items) {
    let lastChoices = null;
    items.forEach((item) => {
      if (item.kind === "bot") {
        lastChoices = null;
        const group = renderReplies([item.reply], false);
        if (group) lastChoices = group;
      } else {
        lastChoices = null;
        bubble(item.kind, item.text);
      }
    });
    // Only the buttons of the last question are still live.
    messages.querySelectorAll(".choices").forEach((group) => {
      if (group !== lastChoices) {
        group.classList.add("retired");
        group.querySelectorAll("button").forEach((b) => {
          b.disabled = true;
        });
      }
    });
  }

  if (history.length) {
    // A reload: show the conversation as it was and wait. Sending anything here ("menu")
    // would answer the open question on the citizen's behalf.
    restore(history);
  } else if (!returning) {
    // A new visitor has no conversation yet: "menu" brings the greeting and the main menu.
    send({ text: "menu" });
  } else {
    bubble("system", RESUME_NOTE);
  }
})();
