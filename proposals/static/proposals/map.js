// The map pin: Leaflet only where a person gains something. Without JavaScript the form
// still works with the address and RT/RW fields.
(function () {
  "use strict";
  function init(el) {
    if (typeof L === "undefined") return;
    var config = JSON.parse(el.dataset.map);
    var lat = document.getElementById(el.dataset.lat);
    var lng = document.getElementById(el.dataset.lng);
    var status = document.getElementById(el.dataset.status);
    var editable = !!lat;
    el.hidden = false;
    el.classList.add("map-live");
    var bounds = L.latLngBounds(config.bounds);
    var map = L.map(el, {maxBounds: bounds.pad(0.3), minZoom: 10});
    if (config.tiles) {
      L.tileLayer(config.tiles, {maxZoom: 19, attribution: config.attribution}).addTo(map);
    }
    var marker = null;
    var start = null;
    var pointLat = parseFloat(el.dataset.pointLat || (lat && lat.value));
    var pointLng = parseFloat(el.dataset.pointLng || (lng && lng.value));
    if (!isNaN(pointLat) && !isNaN(pointLng)) start = L.latLng(pointLat, pointLng);
    if (start) {
      marker = L.marker(start).addTo(map);
      map.setView(start, 16);
    } else {
      map.setView(config.center, 12);
    }
    if (!editable) return;
    function place(latlng) {
      if (!bounds.contains(latlng)) {
        if (status) status.textContent = el.dataset.outside;
        return;
      }
      if (marker) marker.setLatLng(latlng); else marker = L.marker(latlng).addTo(map);
      lat.value = latlng.lat.toFixed(6);
      lng.value = latlng.lng.toFixed(6);
      if (status) status.textContent = el.dataset.placed + " " + lat.value + ", " + lng.value;
    }
    map.on("click", function (event) { place(event.latlng); });
    var clear = document.getElementById(el.dataset.clear);
    if (clear) {
      clear.hidden = false;
      clear.addEventListener("click", function () {
        if (marker) { map.removeLayer(marker); marker = null; }
        lat.value = ""; lng.value = "";
        if (status) status.textContent = el.dataset.cleared;
      });
    }
  }
  // A map inside a closed <details> (a project on the ballot) starts when it is opened: Leaflet
  // cannot measure a hidden box.
  document.querySelectorAll("[data-map]").forEach(function (el) {
    var details = el.closest("details");
    if (!details || details.open) { init(el); return; }
    details.addEventListener("toggle", function opened() {
      if (!details.open) return;
      details.removeEventListener("toggle", opened);
      init(el);
    });
  });
})();
