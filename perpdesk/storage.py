"""Static files as production serves them: whitenoise's compressed files under hashed
names, each name's URL worked out once per process."""

from functools import lru_cache

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """The manifest is read once, when the process starts, so a name's URL does not change
    while it runs. Working it out (manifest lookup, quoting, joining) took about 25 µs a
    `{% static %}` tag, and every page has six or so."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._url_of = lru_cache(maxsize=1024)(super().url)  # not a failed lookup: it raises

    def url(self, name, force=False):
        return super().url(name, force) if force else self._url_of(name)
