/* Filiera web UI: draws Plotly charts from embedded JSON and posts review decisions. */
(function () {
  "use strict";

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
        var message = result.body.error ? result.body.error.message : "error";
        status.textContent = messages.failed.replace("{message}", message);
        buttons.forEach(function (b) { b.disabled = false; });
      }
    }).catch(function (error) {
      status.textContent = messages.failed.replace("{message}", String(error));
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

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    wireReview();
  });
})();
