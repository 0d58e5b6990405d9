"""The invitation and password-reset emails: Bahasa Indonesia first, English after."""

from __future__ import annotations

from dataclasses import dataclass

INVITE, RESET = "invite", "reset"
ROLE_NAMES = {
    "secretariat": ("sekretariat", "secretariat"),
    "reviewer": ("penilai (desk)", "desk reviewer"),
    "panelist": ("anggota panel", "panel member"),
    "observer": ("pemantau (hanya baca)", "observer (read-only)"),
}


@dataclass(frozen=True)
class AccessMail:
    subject: str
    body: str


def compose(
    purpose: str, name: str, role: str, link: str, expires: str, privacy_url: str = ""
) -> AccessMail:
    """The message with the link; ``expires`` is already written for people (WIB);
    ``privacy_url``: the privacy notice, linked at the end (docs/PRIVACY.md, "Consent")."""
    role_id, role_en = ROLE_NAMES.get(role, (role, role))
    if purpose == INVITE:
        subject = "Undangan akun Inagara / Your Inagara account invitation"
        body = (
            f"Yth. {name},\n\n"
            f"Anda diundang sebagai {role_id} di Inagara. Buka tautan berikut untuk membuat "
            f"kata sandi Anda. Tautan ini hanya dapat dipakai sekali dan berlaku sampai {expires}.\n\n"
            f"{link}\n\n"
            "---\n\n"
            f"Dear {name},\n\n"
            f"You are invited to Inagara as {role_en}. Open the link above to set your password. "
            f"It works once and until {expires}.\n"
        )
    else:
        subject = "Atur ulang kata sandi Inagara / Reset your Inagara password"
        body = (
            f"Yth. {name},\n\n"
            "Seseorang meminta pengaturan ulang kata sandi akun Inagara Anda. Buka tautan "
            f"berikut untuk membuat kata sandi baru. Tautan ini hanya dapat dipakai sekali dan "
            f"berlaku sampai {expires}. Abaikan email ini bila Anda tidak memintanya.\n\n"
            f"{link}\n\n"
            "---\n\n"
            f"Dear {name},\n\n"
            "Someone asked to reset your Inagara password. Open the link above to choose a new "
            f"one. It works once and until {expires}. Ignore this email if it was not you.\n"
        )
    if privacy_url:
        body += f"\n--\nPemberitahuan privasi / Privacy notice: {privacy_url}\n"
    return AccessMail(subject, body)
