"""Documents users hand on: Word/PDF reports (python-docx + matplotlib + LibreOffice) and Excel
exports of every table. `circular.py` (xlsx 通报) belongs to the targets area."""
