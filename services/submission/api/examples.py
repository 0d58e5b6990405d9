"""Request examples for the interactive docs page: "Try it out" starts from these."""

from __future__ import annotations

from typing import Any

PROPOSAL: dict[str, Any] = {
    "title": "Posyandu Digital: antrean dan rekam gizi balita lewat WhatsApp",
    "summary": "Kader posyandu mencatat tumbuh kembang balita lewat ponsel; "
    "orang tua menerima jadwal dan hasil.",
    "category": "health",
    "form": "public_service",
    "kind": "digital",
    "maturity": "trial",
    "lab_stage": "deliver",
    "problem": "Catatan gizi balita tercecer di buku kader dan terlambat sampai ke puskesmas.",
    "solution": "Formulir ponsel untuk kader, dasbor untuk puskesmas, pengingat WhatsApp.",
    "expected_benefits": "Balita berisiko gizi buruk terdeteksi dalam hitungan hari.",
    "results": "Uji coba di 12 posyandu, 1.400 balita tercatat.",
    "budget_idr": 150000000,
    "trial_date": "2026-02-01",
    "innovators": [
        {"name": "Siti Rahmawati", "email": "siti@dinkes.example.go.id", "phone": "081234567890"}
    ],
    "evidence_links": ["https://dinkes.example.go.id/posyandu-digital"],
}

AGENCY: dict[str, Any] = {
    "code": "KEL-PASTEUR",
    "name": "Kelurahan Pasteur",
    "type": "kelurahan",
    "parent_id": None,
    "contact_email": "lurah@pasteur.example.go.id",
    "contact_phone": "0812-3456-7890",
    "allow_drafter_submit": False,
}

KEY: dict[str, Any] = {"role": "drafter", "label": "Puskesmas Sukajadi"}

WEBHOOK: dict[str, Any] = {
    "url": "https://portal.dinkes.example.go.id/inagara/webhooks",
    "description": "Portal Dinas Kesehatan",
    "event_types": ["proposal.submitted", "proposal.awarded"],
}
