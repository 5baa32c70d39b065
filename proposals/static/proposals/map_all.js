// All proposals of the list on one map. The points come from the JSON view with the page's own
// filters; each marker opens a popup that links to its proposal. Without JavaScript the page
// links to the list, which shows the same proposals.
(function () {
  "use strict";
  var el = document.getElementById("peta-usulan");
  if (!el || typeof L === "undefined" || !window.fetch) return;
  var status = document.getElementById("peta-usulan-status");
  var config = JSON.parse(el.dataset.map);
  el.hidden = false;
  document.getElementById("peta-usulan-tanpa-js").hidden = true;
  var map = L.map(el, {maxBounds: L.latLngBounds(config.bounds).pad(0.3), minZoom: 10, scrollWheelZoom: false});
  if (config.tiles) {
    L.tileLayer(config.tiles, {maxZoom: 19, attribution: config.attribution}).addTo(map);
  }
  map.setView(config.center, 12);
  function popup(point) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = point.title;
    var title = document.createElement("strong");
    title.appendChild(link);
    box.appendChild(title);
    [point.category + " · " + point.area, point.status].forEach(function (line) {
      var row = document.createElement("div");
      row.className = "small";
      row.textContent = line;
      box.appendChild(row);
    });
    return box;
  }
  fetch(el.dataset.pointsUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    })
    .then(function (data) {
      var bounds = [];
      data.points.forEach(function (point) {
        L.marker([point.lat, point.lng], {title: point.title, alt: point.title})
          .bindPopup(popup(point)).addTo(map);
        bounds.push([point.lat, point.lng]);
      });
      if (bounds.length > 1) map.fitBounds(bounds, {padding: [24, 24], maxZoom: 16});
      else if (bounds.length === 1) map.setView(bounds[0], 16);
    })
    .catch(function () {
      if (status) status.textContent = el.dataset.failed;
    });
})();
