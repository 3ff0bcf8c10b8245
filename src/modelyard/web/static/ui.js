// The layout's small behaviours on every page (base.html); each works by keyboard and the page
// stays usable without it:
// - the menu button opens and closes the navigation on narrow screens (Escape closes it);
// - every table's cells get data-label from their column's <th>, which app.css shows when
//   narrow screens stack a row's cells, so no template has to repeat its headers;
// - a table (or chart) wider than the screen becomes a focusable region, so the keyboard can
//   scroll it;
// - a form sent by a .danger button, or with data-confirm, asks first in a modal dialog
//   (Cancel has the focus; Escape cancels; the focus returns to the button), unless it asks
//   itself (an input named "confirm") or says data-no-confirm;
// - a ?notice= shown once is taken out of the address, so a reload does not repeat it.
"use strict";

(function () {
  function setUpMenu() {
    var header = document.getElementById("site-header");
    var button = header && header.querySelector(".menu-toggle");
    if (!button) return;
    var text = button.querySelector(".menu-text");
    function show(open) {
      header.classList.toggle("menu-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
      text.textContent = open ? button.dataset.closeLabel : button.dataset.openLabel;
    }
    button.addEventListener("click", function () {
      show(button.getAttribute("aria-expanded") !== "true");
    });
    header.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        show(false);
        button.focus();
      }
    });
  }

  function headerTexts(table) {
    var row = table.tHead && table.tHead.rows[0];
    if (!row) return null;
    var texts = [];
    Array.prototype.forEach.call(row.cells, function (cell) {
      var label = cell.textContent.replace(/\s+/g, " ").trim();
      for (var span = 0; span < (cell.colSpan || 1); span += 1) texts.push(label);
    });
    return texts;
  }

  function labelTables() {
    Array.prototype.forEach.call(document.querySelectorAll("table"), function (table) {
      var texts = headerTexts(table);
      if (!texts) return;
      table.classList.add("labelled");
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var column = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            var label = texts[column];
            var oneColumn = (cell.colSpan || 1) === 1; // "No usage yet" across all is no column's
            if (label && oneColumn && !cell.hasAttribute("data-label")) {
              cell.setAttribute("data-label", label);
            }
            column += cell.colSpan || 1;
          });
        });
      });
    });
  }

  // A table wider than its box scrolls sideways: keyboard users need to reach it (a focusable
  // region named for what it holds); one that fits is no extra stop for the Tab key.
  function reachScrollingTables() {
    var label = document.body.getAttribute("data-table-scroll-label") || "Table";
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap, .chart-box"), function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute("tabindex")) {
          var caption = box.querySelector("caption, svg > title");
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", caption ? caption.textContent.trim() : label);
          box.dataset.reached = "yes";
        }
      } else if (box.dataset.reached === "yes") {
        ["tabindex", "role", "aria-label", "data-reached"].forEach(function (name) {
          box.removeAttribute(name);
        });
      }
    });
  }

  function setUpConfirmations() {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") return;
    var title = document.getElementById("confirm-title");
    var text = document.getElementById("confirm-text");
    var yes = document.getElementById("confirm-yes");
    var no = document.getElementById("confirm-no");
    var defaultTitle = title.textContent;
    var pending = null;

    var defaultYes = yes.textContent;

    function needsConfirmation(form, submitter) {
      if (form.dataset.confirmed === "yes") {
        delete form.dataset.confirmed; // asked once for this sending, not for the next
        return false;
      }
      if (form.hasAttribute("data-no-confirm") || form.querySelector("input[name=confirm]")) {
        return false; // the page asks itself (a "yes, delete" box the server checks)
      }
      if (form.hasAttribute("data-confirm")) return true;
      return !!(submitter && (submitter.classList.contains("danger") || submitter.hasAttribute("data-confirm")));
    }

    document.addEventListener("submit", function (event) {
      var form = event.target;
      var submitter = event.submitter || null;
      if (!(form instanceof HTMLFormElement) || !needsConfirmation(form, submitter)) return;
      event.preventDefault();
      var asked = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
      var action = submitter ? submitter.textContent.replace(/\s+/g, " ").trim() : "";
      title.textContent = action ? action + "?" : defaultTitle;
      text.textContent = asked || text.dataset.generic;
      yes.textContent = action || defaultYes;
      pending = { form: form, submitter: submitter };
      dialog.returnValue = "";
      dialog.showModal();
      no.focus();
    }, true);

    yes.addEventListener("click", function () {
      var asked = pending;
      pending = null;
      dialog.close("yes");
      if (!asked) return;
      asked.form.dataset.confirmed = "yes";
      if (asked.submitter && typeof asked.form.requestSubmit === "function") {
        asked.form.requestSubmit(asked.submitter);
      } else {
        asked.form.submit();
      }
    });
    no.addEventListener("click", function () { dialog.close("no"); });
    dialog.addEventListener("close", function () {
      if (dialog.returnValue !== "yes" && pending) {
        var back = pending.submitter;
        pending = null;
        if (back) back.focus();
      }
    });
  }

  function forgetNotice() {
    if (!document.getElementById("page-notice") || !window.history.replaceState) return;
    var url = new URL(window.location.href);
    url.searchParams.delete("notice");
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }

  function start() {
    setUpMenu();
    labelTables();
    reachScrollingTables();
    window.addEventListener("resize", reachScrollingTables);
    setUpConfirmations();
    forgetNotice();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
