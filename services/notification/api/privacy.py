"""The privacy notice (UU 27/2022), linked from every email: what the programme keeps
about the people it writes to, why, how long, and their rights. Indonesian first,
English on ``?lang=en`` or a browser that prefers it (docs/PRIVACY.md: Consent)."""

from __future__ import annotations

import html

from flask import Response, current_app, request
from flask_smorest import Blueprint

from shared.platform.privacy_notice import NOTICE_PATH

PATH = NOTICE_PATH

privacy_blp = Blueprint(
    "privacy",
    __name__,
    url_prefix=PATH,
    description="The privacy notice linked from every message (HTML, Indonesian first).",
)

_NOTICE = {
    "id": (
        "Pemberitahuan privasi",
        """<p>Program inovasi daerah (pemerintah daerah sebagai pengendali data) menyimpan
nama, alamat email dan nomor telepon inovator, kontak perangkat daerah dan penilai untuk
menjalankan kompetisi inovasi: menerima usulan, menilai, dan memberi kabar tentang setiap
tahap. Dasar hukumnya: Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data
Pribadi.</p>
<ul>
<li><strong>Email</strong> dikirim untuk setiap tahap usulan Anda; email pemberitahuan
(bukan keputusan) dapat dihentikan lewat tautan di bagian bawah email.</li>
<li><strong>SMS dan WhatsApp</strong> hanya dikirim jika ada dasar yang tercatat:
persetujuan Anda yang dicatat portal perangkat daerah saat usulan diajukan, atau saluran
yang Anda pilih sendiri.</li>
<li><strong>Masa simpan</strong>: data pribadi usulan yang tidak menang dihapus setelah
masa retensi program (bawaan satu tahun setelah siklus ditutup), beserta berkas
buktinya; untuk usulan pemenang hanya nama inovator (dan berkas buktinya) yang disimpan
sebagai catatan publik penghargaan.</li>
<li><strong>Hak Anda</strong>: melihat salinan data Anda dan meminta penghapusannya.
Hubungi sekretariat{contact}. Penghapusan membuat data Anda tidak terbaca lagi di semua
layanan; permintaan berhenti berlangganan tetap berlaku sesudahnya.</li>
</ul>""",
        "Sekretariat Inovasi Daerah",
    ),
    "en": (
        "Privacy notice",
        """<p>The regional innovation programme (the regional government, as controller)
keeps the names, email addresses and phone numbers of innovators, agency contacts and
reviewers to run the innovation competition: receiving proposals, reviewing them and
telling people about every step. Legal basis: Law No. 27 of 2022 on Personal Data
Protection.</p>
<ul>
<li><strong>Email</strong> is sent for every step of your proposal; notification emails
(not decisions) can be stopped with the link at the bottom of each email.</li>
<li><strong>SMS and WhatsApp</strong> are sent only with a recorded basis: your consent,
recorded by your agency's portal when the proposal was submitted, or a channel you chose
yourself.</li>
<li><strong>Retention</strong>: personal data of proposals that were not awarded is
erased after the programme's retention period (by default one year after the cycle
closed), with their evidence files; of awarded proposals only the innovators' names (and
the evidence files) are kept, as the award's public record.</li>
<li><strong>Your rights</strong>: to see a copy of your data and to have it erased.
Contact the secretariat{contact}. Erasure makes your data unreadable in every service;
an unsubscribe stays in force after it.</li>
</ul>""",
        "Regional Innovation Secretariat",
    ),
}
_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; max-width: 40em; margin: 2em auto">
<nav id="language" style="text-align: right">{switch}</nav>
<h1>{title}</h1>
{body}
<p>{signature}</p>
</body></html>
"""


_UNKNOWN = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Pemberitahuan privasi</title></head>
<body><p>Bahasa tidak tersedia: <a href="?lang=id">id</a> | <a href="?lang=en">en</a>.</p>
</body></html>
"""


def _language() -> str:
    asked = request.args.get("lang", "")
    if asked in _NOTICE:
        return asked
    return request.accept_languages.best_match(tuple(_NOTICE)) or "id"


@privacy_blp.route("", methods=["GET"])
@privacy_blp.doc(
    parameters=[
        {
            "in": "query",
            "name": "lang",
            "required": False,
            "schema": {"type": "string", "enum": list(_NOTICE)},
            "description": "id (the default) or en; absent: the browser's preference",
        }
    ]
)
@privacy_blp.response(200, description="The privacy notice (HTML)")
@privacy_blp.alt_response(400, description="A language the notice is not written in (HTML)")
def privacy_notice() -> Response:
    """The privacy notice: Indonesian, or English with `?lang=en`."""
    if request.args.get("lang", "id") not in _NOTICE:
        return Response(_UNKNOWN, status=400, mimetype="text/html")
    language = _language()
    title, body, signature = _NOTICE[language]
    asked = current_app.extensions["notification"].privacy_contact
    contact = f": {html.escape(asked)}" if asked else ""
    switch = " | ".join(
        f'<a href="?lang={code}" hreflang="{code}">{code.upper()}</a>' for code in _NOTICE
    )
    page = _PAGE.format(
        lang=language,
        title=title,
        switch=switch,
        body=body.format(contact=contact),
        signature=signature,
    )
    return Response(page, mimetype="text/html")
