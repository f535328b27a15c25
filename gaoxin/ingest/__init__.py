"""Import of Excel / CSV files: read (read.py) → clean (clean.py) → validate (validate.py) →
all-or-nothing load (load.py); templates users fill in (templates.py)."""
from gaoxin.ingest.validate import Problem  # noqa: F401


def import_file(*args, **kwargs):
    from gaoxin.ingest.load import import_file as _import_file
    return _import_file(*args, **kwargs)
