"""The census upload (the city admin) and the NIK dispute at the LPM desk (accounts.census, accounts.disputes)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from . import census, disputes
from .forms import NIK_MOVE_NO_ACCOUNT, CensusUploadForm, NikMoveForm
from .models import CensusUpload


@login_required
@permission_required("accounts.import_census", raise_exception=True)
def census_upload(request):
    form = CensusUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = census.census_upload_create(actor=request.user, content=form.cleaned_data["file"])
        return redirect("accounts:census_status", pk=upload.pk)
    return render(request, "accounts/census_upload.html", {
        "form": form, "size": census.census_size(), "last_import": census.census_last_import(),
        "uploads": [(upload, census.census_upload_stalled(upload)) for upload in CensusUpload.objects.defer("content")[:5]],
    })


@never_cache
@login_required
@permission_required("accounts.import_census", raise_exception=True)
def census_status(request, pk: int):
    upload = get_object_or_404(CensusUpload.objects.defer("content"), pk=pk)
    percent = min(100, round(100 * upload.rows_done / upload.rows_total)) if upload.rows_total else 0
    refused = [(census.REFUSAL_REASONS.get(reason, reason), lines) for reason, lines in upload.refused_lines.items()]
    return render(request, "accounts/census_status.html", {"upload": upload, "percent": percent, "refused": refused,
                                                           "stalled": census.census_upload_stalled(upload)})


@require_POST
@login_required
@permission_required("accounts.import_census", raise_exception=True)
def census_resume(request, pk: int):
    """The officer resumes an import whose worker died (its file is still stored)."""
    get_object_or_404(CensusUpload.objects.defer("content"), pk=pk)
    if census.census_upload_resume(actor=request.user, upload_id=pk):
        messages.success(request, _("Impor dimulai lagi dari awal berkas."))
    return redirect("accounts:census_status", pk=pk)


@login_required
@permission_required("accounts.use_residence_desk", raise_exception=True)
def nik_move(request):
    """The LPM desk: the holder of a KTP whose NIK another account registered gets it back."""
    form = NikMoveForm(request.POST or None, officer=request.user)
    if request.method == "POST" and form.is_valid():
        holder = form.cleaned_data["holder"]
        try:
            previous = disputes.nik_move(officer=request.user, nik=form.cleaned_data["nik"], holder=holder)
        except disputes.NikMoveError as error:
            form.add_error(None, str(error))
        except PermissionDenied:  # the account moved to another kelurahan since the form looked
            form.add_error("holder", NIK_MOVE_NO_ACCOUNT)
        else:
            if previous is None:
                messages.success(request, _("NIK sudah dicatat di akun %(name)s.") % {"name": holder.full_name})
            else:
                messages.success(request, _("NIK sudah dipindahkan ke akun %(name)s. Akun lain yang memakainya "
                                            "kehilangan hak pilih dan sudah diberi tahu.") % {"name": holder.full_name})
            return redirect("accounts:residence_desk")
    return render(request, "accounts/nik_move.html", {"form": form})
