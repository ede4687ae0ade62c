/* Filiera web UI: draws Plotly charts from embedded JSON, posts review decisions, folds the
   directory filters on phones and closes the admin menu on Escape or a click elsewhere. */
(function () {
  "use strict";
  if (window.filieraLoaded) return; // base.html loads it on every page; some pages did too
  window.filieraLoaded = true;

  var NARROW = window.matchMedia("(max-width: 900px)");

  function drawCharts() {
    if (typeof Plotly === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      Plotly.newPlot(el, spec.data, spec.layout, { displayModeBar: false, responsive: true });
    });
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function decide(item, decision, messages) {
    var status = item.querySelector(".review-status");
    var buttons = item.querySelectorAll("button[data-decision]");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch("/api/review/" + item.getAttribute("data-review"), {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRF-Token": csrfToken()
      },
      body: JSON.stringify({ decision: decision })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok) {
        status.textContent = messages[result.body.status] || result.body.status;
        item.classList.add("decided");
      } else {
        // the API's message is English: the page says the error's code in its own language
        var code = result.body.error ? result.body.error.code : "other";
        var message = messages.codes[code] || messages.codes.other;
        status.textContent = messages.failed.replace("{message}", message);
        buttons.forEach(function (b) { b.disabled = false; });
      }
    }).catch(function () {
      status.textContent = messages.failed.replace("{message}", messages.codes.other);
      buttons.forEach(function (b) { b.disabled = false; });
    });
  }

  function wireReview() {
    var list = document.querySelector(".review-list");
    if (!list) return;
    var messages = JSON.parse(list.getAttribute("data-messages"));
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-decision]");
      if (!button) return;
      decide(button.closest("[data-review]"), button.getAttribute("data-decision"), messages);
    });
  }

  function foldFilters() {
    var panel = document.querySelector("[data-filters-panel]");
    if (!panel) return;
    panel.open = !NARROW.matches;
    NARROW.addEventListener("change", function () { panel.open = !NARROW.matches; });
    panel.addEventListener("toggle", function () {
      if (!NARROW.matches && !panel.open) panel.open = true; // always open on wide screens
    });
  }

  function wireAdminMenu() {
    var menu = document.querySelector(".admin-menu");
    if (!menu) return;
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }

  // On phones the navigation folds behind a "Menu" button (without JavaScript it stays open).
  function wireNavToggle() {
    var button = document.querySelector("[data-nav-toggle]");
    var nav = document.getElementById("main-nav");
    if (!button || !nav) return;
    document.documentElement.classList.add("nav-folds");
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  function start() {
    wireNavToggle();
    drawCharts();
    wireReview();
    foldFilters();
    wireAdminMenu();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
