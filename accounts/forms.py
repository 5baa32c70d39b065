from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from wilayah.models import Kelurahan
from wilayah.selectors import kelurahan_grouped_choices

from .backends import user_by_login
from .models import User, phone_clean
from .nik import NikError, clean_nik, parse_nik

NIK_MESSAGES = {
    "empty": _("NIK wajib diisi."),
    "not_digits": _("NIK hanya boleh berisi angka 0-9."),
    "length": _("NIK harus tepat 16 digit; yang Anda masukkan %(count)d digit."),
    "province": _("Dua digit pertama NIK bukan kode provinsi yang ada. Periksa kembali KTP Anda."),
    "region": _("Kode kabupaten/kota atau kecamatan pada NIK (digit 3-6) tidak boleh 00."),
    "month": _("Bulan lahir pada NIK (digit 9-10) harus antara 01 dan 12."),
    "date": _(
        "Tanggal lahir pada NIK (digit 7-12) bukan tanggal yang ada. "
        "Untuk perempuan, tanggal lahir ditambah 40 (misalnya 55 untuk tanggal 15)."
    ),
    "serial": _("Nomor urut NIK (4 digit terakhir) tidak boleh 0000."),
}
DUPLICATE_NIK = _("NIK ini sudah terdaftar pada akun lain. Jika Anda sudah punya akun, silakan masuk. Jika belum dan "
                  "ini NIK Anda, centang kotak di bawah untuk mendaftar tanpa NIK, lalu datanglah ke LPM kelurahan "
                  "Anda dengan KTP: petugas akan memindahkan NIK ke akun Anda.")
DUPLICATE_EMAIL = _("Email ini sudah terdaftar. Silakan masuk atau atur ulang kata sandi.")
DUPLICATE_PHONE = _("Nomor HP ini sudah terdaftar. Silakan masuk dengan nomor ini.")
TOO_MANY_FROM_CLIENT = _("Terlalu banyak permintaan dari alamat internet Anda. Coba lagi satu jam lagi, atau datang ke "
                         "LPM kelurahan Anda.")
TOO_MANY_REGISTRATIONS = _("Terlalu banyak percobaan pendaftaran dari alamat internet Anda. Coba lagi nanti (paling lama "
                           "besok), atau daftar dengan bantuan LPM kelurahan Anda.")
NO_CONTACT = _("Isi email atau nomor HP (salah satu cukup) agar Anda dapat masuk.")
# At registration an address already in use is not confirmed on the page beyond this; its owner
# gets a mail saying that someone tried, with how to sign in or reset (accounts.tasks).
EMAIL_TAKEN_AT_REGISTRATION = _("Email ini tidak dapat dipakai untuk akun baru. Jika ini alamat Anda, kami mengirim "
                                "petunjuk masuk atau atur ulang kata sandi ke alamat tersebut.")
DUPLICATE_MESSAGES = {"nik": DUPLICATE_NIK, "email": DUPLICATE_EMAIL, "phone": DUPLICATE_PHONE}


def nik_field_clean(raw: str):
    try:
        return parse_nik(raw)
    except NikError as error:
        params = {"count": len(clean_nik(raw))} if error.code == "length" else None
        raise forms.ValidationError(NIK_MESSAGES[error.code], code=error.code, params=params) from None


def _kelurahan_choices():
    return [("", _("— pilih kelurahan —")), *kelurahan_grouped_choices()]


class GroupedKelurahanField(forms.ChoiceField):
    """A <select> of kelurahan with one <optgroup> per kecamatan, read lazily from the database."""

    def __init__(self, **kwargs):
        super().__init__(choices=_kelurahan_choices, **kwargs)

    def clean(self, value):
        code = super().clean(value)
        return Kelurahan.objects.get(code=code) if code else None


class ContactFieldsMixin:
    """Email and/or mobile number: either may be empty, not both; each belongs to one account."""

    user = None  # the person editing their own contact details, if any

    def clean_phone(self):
        phone = phone_clean(self.cleaned_data.get("phone", ""))
        if phone and self._others().filter(phone=phone).exists():
            raise forms.ValidationError(DUPLICATE_PHONE)
        return phone

    def clean_email(self):
        email = self.cleaned_data.get("email", "").strip().lower()
        if email and self._others().filter(email__iexact=email).exists():
            raise forms.ValidationError(DUPLICATE_EMAIL)
        return email

    def _others(self):
        return User.objects.exclude(pk=self.user.pk) if self.user else User.objects.all()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and not self.has_error("email") \
                and not self.has_error("phone"):
            self.add_error("email", NO_CONTACT)
        return cleaned


class RegistrationForm(ContactFieldsMixin, forms.Form):
    full_name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    email = forms.EmailField(
        label=_("Email"), required=False,
        help_text=_("Boleh dikosongkan jika Anda mengisi nomor HP; pemberitahuan lalu masuk ke kotak masuk Suara Warga."),
    )
    phone = forms.CharField(
        label=_("Nomor HP"), max_length=20, required=False,
        help_text=_("Contoh: 0812 3456 7890. Anda dapat masuk dengan email atau nomor HP."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    nik = forms.CharField(
        label=_("NIK (Nomor Induk Kependudukan)"), max_length=24,
        help_text=_("16 digit sesuai KTP. Kami hanya menyimpan sidik kunci (hash) dan 4 digit terakhirnya."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    kelurahan = GroupedKelurahanField(label=_("Kelurahan tempat tinggal"))
    password1 = forms.CharField(label=_("Kata sandi"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Ulangi kata sandi"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    # Shown once the NIK turned out to be taken (accounts.disputes): the holder of the KTP registers
    # without it and has it moved to their account at the LPM desk.
    nik_taken = forms.BooleanField(
        label=_("NIK saya dipakai akun lain. Daftarkan saya tanpa NIK; saya akan datang ke LPM dengan KTP."),
        required=False,
    )
    consent = forms.BooleanField(
        label=_("Saya telah membaca dan menyetujui Kebijakan Privasi Suara Warga."),
        error_messages={"required": _("Anda perlu menyetujui Kebijakan Privasi untuk mendaftar.")},
    )

    taken: set[str]

    def clean_nik(self):
        return nik_field_clean(self.cleaned_data["nik"])

    def clean_email(self):
        self.taken = getattr(self, "taken", set())
        try:
            return super().clean_email()
        except forms.ValidationError:
            self.taken.add("email")
            raise forms.ValidationError(EMAIL_TAKEN_AT_REGISTRATION, code="taken") from None

    def clean_phone(self):
        self.taken = getattr(self, "taken", set())
        try:
            return super().clean_phone()
        except forms.ValidationError as error:
            if str(DUPLICATE_PHONE) not in error.messages:
                raise
            self.taken.add("phone")
            raise

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("Kedua kata sandi tidak sama."))
        elif p1:
            probe = User(email=cleaned.get("email") or None, phone=cleaned.get("phone", ""),
                         full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


LOCKED = _("Terlalu banyak kata sandi yang salah untuk akun ini dari alamat Anda. Coba lagi %(minutes)d menit lagi, "
            "atau atur ulang kata sandi.")


def login_lock_message() -> str:
    from .throttle import lock_minutes

    return LOCKED % {"minutes": lock_minutes()}


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("Email atau nomor HP"), max_length=254,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    error_messages = {
        "locked": LOCKED,
        "invalid_login": _("Email/nomor HP atau kata sandi salah."),
        "inactive": _("Akun ini tidak aktif."),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError as error:
            # django-axes marks the request when this (account, address) pair is locked: it refused
            # before any password was checked, or this failure reached the limit.
            if error.code == "invalid_login" and getattr(self.request, "axes_locked_out", False):
                from .throttle import lock_minutes

                raise forms.ValidationError(self.error_messages["locked"], code="locked",
                                            params={"minutes": lock_minutes()}) from None
            raise


class ProfileForm(ContactFieldsMixin, forms.Form):
    full_name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False,
                             help_text=_("Jika diganti, kami kirim tautan verifikasi baru."))
    phone = forms.CharField(label=_("Nomor HP"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    language = forms.ChoiceField(label=_("Bahasa notifikasi"), choices=[("id", "Bahasa Indonesia"), ("en", "English")])

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Kata sandi Anda"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Kata sandi salah."))
        return password


class ResidentLookupForm(forms.Form):
    """The LPM desk: the officer types the NIK from the KTP the resident shows in person."""

    nik = forms.CharField(label=_("NIK warga (dari KTP yang ditunjukkan)"), max_length=24,
                          widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))

    def clean_nik(self):
        return nik_field_clean(self.cleaned_data["nik"]).nik


class InvitationBatchForm(forms.Form):
    kelurahan = forms.ModelChoiceField(label=_("Kelurahan"), queryset=Kelurahan.objects.none(), empty_label=None)
    count = forms.IntegerField(label=_("Jumlah kode"), min_value=1, max_value=200, initial=50,
                               help_text=_("Satu kode untuk satu warga; paling banyak 200 sekali cetak."))

    def __init__(self, *args, kelurahan_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kelurahan"].queryset = kelurahan_choices if kelurahan_choices is not None else Kelurahan.objects.none()


class InvitationCodeForm(forms.Form):
    code = forms.CharField(label=_("Kode undangan dari RT"), max_length=20,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "placeholder": "ABCD-2345"}))


class PasswordResetRequestForm(forms.Form):
    """"Lupa kata sandi": only the address. Who has it is looked up by the worker (accounts.tasks)."""

    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))


# One answer for an address with no account and for an account of another kelurahan: the desk does
# not tell an officer who is registered elsewhere.
NIK_MOVE_NO_ACCOUNT = _("Tidak ada akun warga kelurahan Anda dengan email atau nomor HP ini. Periksa ejaannya; "
                        "jika warga belum mendaftar, minta ia mendaftar lebih dulu (tanpa NIK), lalu coba lagi.")


class NikMoveForm(forms.Form):
    """The LPM desk: a NIK someone else registered goes to the holder, whose KTP the officer sees."""

    nik = forms.CharField(label=_("NIK dari KTP yang ditunjukkan"), max_length=24,
                          widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    holder = forms.CharField(label=_("Email atau nomor HP akun pemilik KTP"), max_length=254,
                             help_text=_("Akun yang didaftarkan pemilik KTP tanpa NIK."))
    confirm = forms.BooleanField(label=_("Saya sudah melihat KTP asli, dan nama serta foto di KTP sesuai dengan warga "
                                         "yang hadir."))

    def __init__(self, *args, officer: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.officer = officer

    def clean_nik(self):
        return nik_field_clean(self.cleaned_data["nik"])

    def clean_holder(self):
        account = user_by_login(self.cleaned_data["holder"])
        if account is None or not self.officer.has_perm("accounts.move_nik", account):
            raise forms.ValidationError(NIK_MOVE_NO_ACCOUNT)
        return account


class CensusUploadForm(forms.Form):
    file = forms.FileField(label=_("Berkas CSV data penduduk"),
                           widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),  # the picker shows CSV files first
                           help_text=_("Kolom nik,kelurahan_code (kode Kemendagri, misalnya 64.71.05.1006). "
                                       "Menggantikan seluruh data penduduk sebelumnya."))

    def clean_file(self):
        from .census import MAX_UPLOAD_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Berkas terlalu besar (paling besar 100 MB)."))
        content = upload.read()
        # The usual wrong file is the extract as Excel saved it: say how to make the CSV.
        if content.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
            raise forms.ValidationError(_("Ini berkas Excel, bukan CSV. Di Excel pilih Simpan Sebagai (Save As), "
                                          "jenis CSV UTF-8, lalu unggah berkas .csv itu."))
        if b"\x00" in content[:4096]:
            raise forms.ValidationError(_("Berkas ini bukan teks CSV. Unggah ekspor data penduduk sebagai berkas "
                                          ".csv dengan kolom nik,kelurahan_code."))
        header, _newline, rest = content[:4096].partition(b"\n")
        first_line = header.decode("utf-8-sig", errors="replace").lower()
        if "nik" not in first_line or "kelurahan_code" not in first_line:
            raise forms.ValidationError(_("Baris pertama berkas harus berisi nama kolom nik,kelurahan_code."))
        if not rest.strip() and not content[4096:].strip():
            raise forms.ValidationError(_("Berkas hanya berisi baris judul, tanpa data penduduk. Data penduduk "
                                          "sebelumnya tetap dipakai."))
        return content
