"""Where Balikpapan is. Pure code.

The city runs from the Samboja border north of Karang Joang (about 0.97°S) to the coast at
Klandasan and Sepinggan (about 1.29°S), and from Kariangau on Balikpapan Bay (about
116.74°E) to Teritip at the Kutai Kartanegara border (about 117.08°E). The box below adds a
small margin and no more: a pin in Penajam across the bay is refused.
"""

LAT_MIN, LAT_MAX = -1.33, -0.95
LNG_MIN, LNG_MAX = 116.74, 117.12
CENTER = (-1.2379, 116.8529)  # Balikpapan city centre, around Jl. Jenderal Sudirman


def inside_balikpapan(latitude: float, longitude: float) -> bool:
    return LAT_MIN <= latitude <= LAT_MAX and LNG_MIN <= longitude <= LNG_MAX
