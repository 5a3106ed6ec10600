"""Normalizers: raw cell text → the normalized forms of docs/normalized-forms.md."""
