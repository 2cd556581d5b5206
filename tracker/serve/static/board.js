/* The board of `tracker serve`: drag a card to another column to move its item.
   Each drop is POST /api/items/ID/move {"status"} with the session's CSRF token; a
   move the workflow refuses puts the card back where it was and shows the server's
   message (naming the allowed statuses). Without JavaScript, each card's Move form
   does the same. Uses SortableJS (sortable-1.15.6.min.js, MIT, vendored). */
(function () {
  "use strict";
  var board = document.querySelector(".board[data-movable=true]");
  if (!board || typeof Sortable === "undefined") { return; }
  var meta = document.querySelector("meta[name=csrf]");
  var csrf = meta ? meta.getAttribute("content") : "";
  var message = document.getElementById("board-message");

  function say(text, refused) {
    message.textContent = text;
    message.className = "status-message" + (refused ? " error" : "");
  }

  function allowed(status) {
    var list = board.querySelector(".cards[data-status=\"" + CSS.escape(status) + "\"]");
    var next = list ? list.getAttribute("data-next") : "";
    return next ? next.split(" ") : [];
  }

  function count(list) {
    var n = list.parentNode.querySelector("h2 .n");
    if (n) { n.textContent = String(list.querySelectorAll(".card").length); }
  }

  function label(status) {  /* a status as the page shows it (its label); the slug posted */
    var list = board.querySelector(".cards[data-status=\"" + CSS.escape(status) + "\"]");
    return (list && list.getAttribute("data-label")) || status;
  }

  function refreshForm(card, status) {
    var select = card.querySelector("form.move select");
    if (!select) { return; }
    var current = card.querySelector("form.move b");
    if (current) { current.textContent = label(status); }
    while (select.firstChild) { select.removeChild(select.firstChild); }
    allowed(status).forEach(function (s) {
      var option = document.createElement("option");
      option.value = s;
      option.textContent = label(s);
      select.appendChild(option);
    });
  }

  function putBack(card, from, index) {
    var ref = from.children[index] || null;
    from.insertBefore(card, ref);
  }

  function dropped(event) {
    var card = event.item, from = event.from, to = event.to;
    if (from === to) { return; }
    var before = card.getAttribute("data-status");
    var status = to.getAttribute("data-status");
    var index = event.oldIndex;
    board.classList.add("busy");
    fetch("/api/items/" + encodeURIComponent(card.getAttribute("data-id")) + "/move", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify({status: status})
    }).then(function (response) {
      return response.json().then(function (body) { return [response.status, body]; },
                                  function () { return [response.status, {}]; });
    }).then(function (answer) {
      if (answer[0] === 200) {
        card.setAttribute("data-status", status);
        refreshForm(card, status);
        count(from); count(to);
        say(card.querySelector(".title").textContent + " : " + label(before) + " → " +
            label(status), false);
      } else {
        putBack(card, from, index);
        say((answer[1] && answer[1].error) || ("refused (" + answer[0] + ")"), true);
      }
    }, function () {
      putBack(card, from, index);
      say(board.getAttribute("data-no-answer"), true);
    }).then(function () { board.classList.remove("busy"); });
  }

  function marking(on, event) {
    var targets = on ? allowed(event.item.getAttribute("data-status")) : [];
    board.querySelectorAll(".cards").forEach(function (list) {
      var s = list.getAttribute("data-status");
      list.classList.toggle("allowed", on && targets.indexOf(s) >= 0);
    });
  }

  board.querySelectorAll(".cards").forEach(function (list) {
    Sortable.create(list, {
      group: "board", sort: false, animation: 120, filter: "form, select, button",
      preventOnFilter: false, draggable: ".card",
      onStart: function (e) { marking(true, e); },
      onEnd: function (e) { marking(false, e); dropped(e); }
    });
  });
}());
