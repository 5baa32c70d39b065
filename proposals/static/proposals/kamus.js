// The indicative cost of a kamus item, shown as the resident types: volume x unit price, in
// whole rupiah rounded half up, exactly as the server computes it (BigInt: no float error).
// Without JavaScript the "Hitung biaya" button asks the server for the same figure.
(function () {
  "use strict";
  function hundredths(text) {
    var value = (text || "").replace(/\s/g, "").replace(",", ".");
    if (!/^\d+(\.\d{1,2})?$/.test(value)) return null;
    var parts = value.split(".");
    var cents = BigInt(parts[0]) * 100n + BigInt(((parts[1] || "") + "00").slice(0, 2));
    return cents > 0n ? cents : null;
  }
  function rupiah(amount) {
    return "Rp" + amount.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }
  function init(box) {
    var select = box.querySelector("select[name=kamus_item]");
    var volume = box.querySelector("input[name=volume]");
    var output = document.getElementById("kamus-biaya");
    var cost = document.querySelector("input[name=estimated_cost]");
    var category = document.querySelector("select[name=category]");
    if (!select || !volume || !output) return;
    function update() {
      var option = select.options[select.selectedIndex];
      var price = option && option.dataset.harga;
      if (cost) cost.readOnly = !!price;
      if (!price) { output.textContent = ""; return; }
      if (category && option.dataset.kategori) category.value = option.dataset.kategori;
      var cents = hundredths(volume.value);
      if (cents === null) { output.textContent = box.dataset.empty; return; }
      var amount = (cents * BigInt(price) + 50n) / 100n;
      output.textContent = box.dataset.prefix + " " + rupiah(amount) + " (" + volume.value + " " +
        option.dataset.satuan + " × " + rupiah(BigInt(price)) + ")";
      if (cost) cost.value = rupiah(amount).slice(2);
    }
    select.addEventListener("change", update);
    volume.addEventListener("input", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("kamus");
    if (box) init(box);
  });
})();
