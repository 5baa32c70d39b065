"""Kota -> kecamatan -> kelurahan of Balikpapan, keyed by Kemendagri code."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kecamatan(models.Model):
    code = models.CharField(_("kode Kemendagri"), max_length=8, primary_key=True)
    name = models.CharField(_("nama"), max_length=100)
    population = models.PositiveIntegerField(_("jumlah penduduk"), null=True, blank=True)
    # Names vary between sources ("Balikpapan Kota" / "Kota"); the code is the key.
    aliases = models.JSONField(_("nama lain"), default=list, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")

    def __str__(self) -> str:
        return self.name


class Kelurahan(models.Model):
    code = models.CharField(_("kode Kemendagri"), max_length=13, primary_key=True)
    name = models.CharField(_("nama"), max_length=100)
    kecamatan = models.ForeignKey(Kecamatan, on_delete=models.PROTECT, related_name="kelurahan_set")
    aliases = models.JSONField(_("nama lain"), default=list, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("kelurahan")
        verbose_name_plural = _("kelurahan")

    def __str__(self) -> str:
        return self.name
