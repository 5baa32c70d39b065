from .models import Kecamatan, Kelurahan
from .names import normalise


def kelurahan_find(name_or_code: str) -> Kelurahan | None:
    """A kelurahan by code, by name, or by any alias spelling."""
    found = Kelurahan.objects.filter(code=name_or_code.strip()).first()
    if found:
        return found
    key = normalise(name_or_code)
    for kelurahan in Kelurahan.objects.all():
        if key in kelurahan.aliases:
            return kelurahan
    return None


def kelurahan_grouped_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Choices for a <select> with one <optgroup> per kecamatan."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for kel in Kelurahan.objects.select_related("kecamatan").order_by("kecamatan__name", "name"):
        groups.setdefault(f"Kec. {kel.kecamatan.name}", []).append((kel.code, kel.name))
    return list(groups.items())


def kecamatan_with_kelurahan():
    return Kecamatan.objects.prefetch_related("kelurahan_set")
