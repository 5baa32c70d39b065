/* Ballot page enhancements. The form works without this file; with it a knapsack ballot
   shows a live budget bar, a ranked ballot can be ordered by tapping, and a points ballot
   counts the points left. */
(function () {
  "use strict";
  var fields = document.getElementById("ballot-fields");
  if (!fields) return;
  var kind = fields.dataset.kind;
  var blank = document.getElementById("blank");

  function rupiah(n) {
    var s = String(Math.abs(Math.round(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    return (n < 0 ? "-" : "") + "Rp" + s;
  }
  function fmt(template, value) { return template.replace("%s", value); }
  function items() { return Array.prototype.slice.call(fields.querySelectorAll(".ballot-item")); }

  // An explicit blank ballot clears the choices; a choice clears "blank".
  function onChoice() { if (blank) blank.checked = false; }
  if (blank) blank.addEventListener("change", function () {
    if (!blank.checked) return;
    fields.querySelectorAll("input[type=checkbox]").forEach(function (c) { c.checked = false; });
    fields.querySelectorAll("select").forEach(function (s) { s.value = ""; });
    fields.querySelectorAll("input[type=number]").forEach(function (i) { i.value = 0; });
    refresh();
  });

  // --- knapsack: budget bar ---
  var box = document.getElementById("budget-box");
  function refreshBudget() {
    var budget = Number(box.dataset.budget), chosen = 0;
    items().forEach(function (item) {
      var box_ = item.querySelector("input[type=checkbox]");
      if (box_ && box_.checked) chosen += Number(item.dataset.cost);
    });
    var pct = budget ? Math.min(100, (100 * chosen) / budget) : 0;
    var fill = document.getElementById("budget-fill");
    fill.style.width = pct + "%";
    fill.classList.toggle("bg-danger", chosen > budget);
    fill.classList.toggle("bg-success", chosen <= budget);
    document.getElementById("budget-bar").setAttribute("aria-valuenow", chosen);
    document.getElementById("budget-chosen").textContent = rupiah(chosen);
    var left = document.getElementById("budget-left");
    left.textContent = chosen > budget ? fmt(box.dataset.over, rupiah(chosen - budget)) : fmt(box.dataset.left, rupiah(budget - chosen));
    left.classList.toggle("text-danger", chosen > budget);
    // Projects that no longer fit are marked, not hidden: the voter may swap.
    items().forEach(function (item) {
      var c = item.querySelector("input[type=checkbox]");
      item.classList.toggle("opacity-50", !c.checked && chosen + Number(item.dataset.cost) > budget);
    });
  }

  // --- ranked: tap to rank, up/down buttons ---
  var rankBox = document.getElementById("rank-box");
  var k = Number(fields.dataset.k);
  function order() {
    return items()
      .map(function (item) { return { id: item.dataset.id, rank: Number(item.querySelector("select").value) || 0 }; })
      .filter(function (x) { return x.rank > 0; })
      .sort(function (a, b) { return a.rank - b.rank; })
      .map(function (x) { return x.id; });
  }
  function setOrder(ids) {
    items().forEach(function (item) {
      var i = ids.indexOf(item.dataset.id);
      item.querySelector("select").value = i >= 0 ? String(i + 1) : "";
    });
    onChoice();
    refresh();
  }
  function button(label, cls, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm " + cls;
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }
  function titleOf(id) {
    var item = fields.querySelector('.ballot-item[data-id="' + id + '"]');
    return item ? item.querySelector("label").textContent.trim() : id;
  }
  function refreshRanks() {
    var ids = order(), list = document.getElementById("rank-list");
    list.innerHTML = "";
    ids.forEach(function (id, i) {
      var li = document.createElement("li");
      li.className = "d-flex align-items-center gap-1 py-1";
      var span = document.createElement("span");
      span.className = "flex-grow-1";
      span.textContent = (i + 1) + ". " + titleOf(id);
      li.appendChild(span);
      var up = button("▲", "btn-outline-secondary", function () { var o = order(); o.splice(i - 1, 0, o.splice(i, 1)[0]); setOrder(o); });
      up.setAttribute("aria-label", rankBox.dataset.up);
      up.disabled = i === 0;
      var down = button("▼", "btn-outline-secondary", function () { var o = order(); o.splice(i + 1, 0, o.splice(i, 1)[0]); setOrder(o); });
      down.setAttribute("aria-label", rankBox.dataset.down);
      down.disabled = i === ids.length - 1;
      var del = button("✕", "btn-outline-danger", function () { setOrder(order().filter(function (x) { return x !== id; })); });
      del.setAttribute("aria-label", rankBox.dataset.remove);
      li.appendChild(up); li.appendChild(down); li.appendChild(del);
      list.appendChild(li);
    });
    document.getElementById("rank-empty").classList.toggle("d-none", ids.length > 0);
    items().forEach(function (item) {
      var pick = item.querySelector(".rank-pick");
      var ranked = ids.indexOf(item.dataset.id) >= 0;
      pick.disabled = ranked || ids.length >= k;
      pick.textContent = ranked ? "#" + (ids.indexOf(item.dataset.id) + 1) : rankBox.dataset.pick;
    });
  }

  // --- cumulative: points left ---
  var pointsBox = document.getElementById("points-box");
  function refreshPoints() {
    var total = Number(pointsBox.dataset.points), used = 0;
    fields.querySelectorAll("input[type=number]").forEach(function (i) { used += Math.max(0, Number(i.value) || 0); });
    var left = document.getElementById("points-left");
    left.textContent = used > total ? fmt(pointsBox.dataset.over, used - total) : fmt(pointsBox.dataset.left, total - used);
    left.classList.toggle("text-danger", used > total);
  }

  function refresh() {
    if (kind === "knapsack" && box) refreshBudget();
    if (kind === "ranked" && rankBox) refreshRanks();
    if (kind === "cumulative" && pointsBox) refreshPoints();
  }

  if (kind === "ranked" && rankBox) {
    rankBox.classList.remove("d-none");
    items().forEach(function (item) {
      var pick = button(rankBox.dataset.pick, "btn-outline-primary rank-pick", function () {
        var o = order();
        if (o.length < k && o.indexOf(item.dataset.id) < 0) { o.push(item.dataset.id); setOrder(o); }
      });
      item.querySelector(".card-body > div").appendChild(pick);
    });
  }
  fields.addEventListener("change", function () { onChoice(); refresh(); });
  fields.addEventListener("input", refresh);
  refresh();
})();
