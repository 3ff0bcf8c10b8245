/* The playground: post one turn to /playground/chat (session cookie + CSRF field, no API key in
   the page) and append the answer as the gateway streams it (OpenAI chat chunks over SSE). */
(function () {
  "use strict";
  var form = document.getElementById("playground");
  if (!form) { return; }
  var conversation = document.getElementById("conversation");
  var status = document.getElementById("playground-status");
  var errorBox = document.getElementById("playground-error");
  var message = document.getElementById("playground-message");
  var send = document.getElementById("playground-send");
  var history = [];

  function addTurn(role, label, text) {
    var item = document.createElement("li");
    item.className = "turn " + role;
    var who = document.createElement("strong");
    who.textContent = label;
    var body = document.createElement("div");
    body.className = "text";
    body.textContent = text;
    item.appendChild(who);
    item.appendChild(body);
    conversation.appendChild(item);
    return body;
  }

  function showError(text) {
    errorBox.textContent = form.dataset.failed + " " + text;
    errorBox.hidden = false;
    status.textContent = "";
  }

  async function errorOf(response) {
    var type = response.headers.get("content-type") || "";
    if (type.indexOf("application/json") === 0) {
      var body = await response.json();
      if (body && body.error && body.error.message) { return body.error.message; }
    }
    if (response.redirected || type.indexOf("text/html") === 0) {
      return "your session ended; reload the page and sign in again (HTTP " + response.status + ").";
    }
    return "HTTP " + response.status;
  }

  /* Read the SSE stream; call onText with each piece; return the error message, if any. */
  async function readStream(response, onText) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    for (;;) {
      var read = await reader.read();
      if (read.done) { return buffer.trim() ? "the stream ended early." : null; }
      buffer += decoder.decode(read.value, { stream: true });
      var cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        var event = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        var data = event.split("\n").filter(function (line) { return line.indexOf("data:") === 0; })
          .map(function (line) { return line.slice(5).trim(); }).join("\n");
        if (!data) { continue; }
        if (data === "[DONE]") { return null; }
        var chunk;
        try { chunk = JSON.parse(data); } catch (err) { return "the stream sent a malformed event."; }
        if (chunk.error) { return chunk.error.message || "the stream failed."; }
        var choice = chunk.choices && chunk.choices[0];
        if (choice && choice.delta && choice.delta.content) { onText(choice.delta.content); }
      }
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var text = message.value.trim();
    if (!text) { message.focus(); return; }
    errorBox.hidden = true;
    var turns = history.concat([{ role: "user", content: text }]);
    addTurn("user", form.dataset.you, text);
    var modelSelect = form.elements.namedItem("model");
    var modelLabel = modelSelect.options[modelSelect.selectedIndex].text;
    var answer = addTurn("assistant", modelLabel, "");
    answer.parentNode.setAttribute("aria-busy", "true");
    status.textContent = form.dataset.answering;
    send.disabled = true;
    var data = new FormData(form);
    data.delete("message");
    data.append("messages", JSON.stringify(turns));
    var failure = null;
    try {
      var response = await fetch(form.action, { method: "POST", body: data, credentials: "same-origin" });
      var type = response.headers.get("content-type") || "";
      if (!response.ok || type.indexOf("text/event-stream") !== 0) {
        failure = await errorOf(response);
      } else {
        failure = await readStream(response, function (piece) { answer.textContent += piece; });
      }
    } catch (err) {
      failure = "the connection failed (" + err.message + ").";
    }
    answer.parentNode.removeAttribute("aria-busy");
    send.disabled = false;
    if (failure) {
      var note = document.createElement("p");
      note.className = "turn-error";
      note.textContent = failure;
      answer.parentNode.classList.add("failed");
      answer.parentNode.appendChild(note);
      showError(failure);
      return;  /* a failed turn stays out of the conversation sent next time */
    }
    history = turns.concat([{ role: "assistant", content: answer.textContent }]);
    message.value = "";
    status.textContent = form.dataset.done;
    message.focus();
  });

  document.getElementById("playground-reset").addEventListener("click", function () {
    history = [];
    conversation.textContent = "";
    errorBox.hidden = true;
    status.textContent = "";
    message.focus();
  });
})();
