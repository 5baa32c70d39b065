/* Maps of projects. Without JavaScript (or without Leaflet) the page shows the same projects as a list. */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }
  var CENTER = [-1.2379, 116.8529]; // Balikpapan
  function draw(element, points) {
    element.classList.remove("d-none");
    var map = L.map(element, { scrollWheelZoom: false }).setView(CENTER, 12);
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution }).addTo(map);
    var bounds = [];
    points.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lng], {
        radius: p.funded === false ? 6 : 8, color: p.funded === false ? "#555" : "#123", weight: p.funded === false ? 1 : 2,
        fillColor: p.color || "#0b6e4f", fillOpacity: p.funded === false ? 0.55 : 0.9
      }).addTo(map);
      var text = document.createElement("div");
      var title = document.createElement("strong");
      title.textContent = p.title;
      text.appendChild(title);
      [p.category, p.status, p.cost_label].forEach(function (line) {
        if (line) { var row = document.createElement("div"); row.textContent = line; text.appendChild(row); }
      });
      marker.bindPopup(text);
      bounds.push([p.lat, p.lng]);
    });
    if (bounds.length > 1) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 }); }
    else if (bounds.length === 1) { map.setView(bounds[0], 15); }
  }
  document.querySelectorAll(".sw-map").forEach(function (element) {
    if (element.dataset.pointsUrl) {
      // The council's map is fetched apart from its page, which stays under the weight budget.
      if (!window.fetch) { return; }
      fetch(element.dataset.pointsUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (points) { draw(element, points); });
      return;
    }
    var source = document.getElementById(element.dataset.points);
    draw(element, source ? JSON.parse(source.textContent) : []);
  });
})();
