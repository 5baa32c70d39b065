"""Name matching for places whose spelling varies between sources. Pure code."""

import re

# Spellings seen in BPS, Kemendagri and city documents for the same kelurahan.
EXTRA_ALIASES: dict[str, list[str]] = {
    "64.71.05.1010": ["Sungai Nangka"],
    "64.71.02.1006": ["Margasari"],
    "64.71.02.1005": ["Margomulyo", "Margo Mulyo"],
    "64.71.06.1002": ["Telagasari"],
    "64.71.04.1003": ["Karangrejo"],
    "64.71.04.1004": ["Karangjati"],
    "64.71.04.1005": ["Mekarsari"],
    "64.71.04.1006": ["Sumberrejo"],
    "64.71.03.1003": ["Karangjoang"],
    "64.71.03.1001": ["Batuampar"],
    "64.71.05.1006": ["Gn. Bahagia", "Gunungbahagia"],
}


def normalise(name: str) -> str:
    """Lower case, no spaces or punctuation, 'gn' read as 'gunung': 'Gn. Bahagia' == 'Gunung Bahagia'."""
    name = name.strip().lower()
    name = re.sub(r"^(kel(urahan)?|kec(amatan)?)\.?\s+", "", name)
    name = re.sub(r"\bgn\b\.?", "gunung", name)
    return re.sub(r"[^a-z0-9]", "", name)


def aliases_for(code: str, name: str) -> list[str]:
    found = [name, *EXTRA_ALIASES.get(code, [])]
    return sorted({normalise(a) for a in found})
