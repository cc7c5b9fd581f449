"""perpdesk.storage: whitenoise's hashed static files, each URL worked out once."""

import json

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from perpdesk.storage import StaticFilesStorage


@pytest.fixture
def storage(tmp_path, settings):
    settings.STATIC_URL = "/static/"
    (tmp_path / "staticfiles.json").write_text(json.dumps({
        "version": "1.1", "paths": {"lookup/perpdesk.css": "lookup/perpdesk.0123abcd.css"}, "hash": "x",
    }))
    return StaticFilesStorage(location=tmp_path)


def test_it_links_the_hashed_name(storage):
    assert storage.url("lookup/perpdesk.css") == "/static/lookup/perpdesk.0123abcd.css"


def test_it_works_a_url_out_once(storage, monkeypatch):
    worked_out = []
    parent_url = CompressedManifestStaticFilesStorage.url
    monkeypatch.setattr(
        CompressedManifestStaticFilesStorage, "url",
        lambda self, name, force=False: worked_out.append(name) or parent_url(self, name, force),
    )
    fresh = StaticFilesStorage(location=storage.location)

    urls = {fresh.url("lookup/perpdesk.css") for _ in range(3)}

    assert urls == {"/static/lookup/perpdesk.0123abcd.css"}
    assert worked_out == ["lookup/perpdesk.css"]


def test_a_name_missing_from_the_manifest_still_fails_each_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("lookup/no-such-file.css")
