import pytest


@pytest.fixture(autouse=True)
def _isolated_gaoxin_home(tmp_path, monkeypatch):
    """Framework look-ups read $GAOXIN_HOME/frameworks: keep every test away from the developer's."""
    monkeypatch.setenv("GAOXIN_HOME", str(tmp_path / "home"))
