"""The embedded defaults name the files an installed registry already keeps its data in."""

from __future__ import annotations

from web.config import defaults


def test_an_upgrade_keeps_reading_the_same_database_file(tmp_path):
    """A layout change once renamed the default file (registry.core.db): an upgraded site
    would have started on an empty registry beside its data."""
    config = defaults(str(tmp_path))
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'registry.db'}"
    assert config["SEARCH_INDEX_DIR"] == str(tmp_path / "index")
    assert config["SIGNING_KEY_DIR"] == str(tmp_path / "keys")
