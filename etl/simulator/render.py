"""Serialising sources and connections to the exact JSON text a release line sends.

Sources are serialised once and cached (invalidated on update); a connection is a string
template filled with its few scalar fields, so a list page costs microseconds per row.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from .catalog import SourceRecord, render_source
from .shapes import Features

_EPOCH = datetime(1970, 1, 1)  # naive UTC: timestamps are rendered with a literal "Z"


def dumps(obj: Any) -> str:
    """JSON exactly as Django REST framework renders it (compact, UTF-8, not ASCII-escaped)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def timestamp(micros: int) -> str:
    """Microseconds since the epoch -> ``2026-11-29T17:01:22.646367Z``."""
    return (_EPOCH + timedelta(microseconds=micros)).isoformat(timespec="microseconds") + "Z"


class Renderer:
    """Per-shape JSON text of sources (cached) and connections."""

    def __init__(self, feat: Features) -> None:
        self.feat = feat
        self._nested: dict[int, str] = {}
        self._real: dict[int, str] = {}
        if not feat.source_obj:
            self._template = '{"pk":%d,"user":%d,"source":%s,"created":"%s"}'
        elif not feat.identifier:
            self._template = '{"pk":%d,"user":%d,"source":"%s","source_obj":%s,"created":"%s"}'
        else:
            self._template = (
                '{"pk":%d,"user":%d,"source":"%s","source_obj":%s,"identifier":%s,'
                '"created":"%s","last_updated":"%s"}'
            )

    def invalidate(self, sid: int) -> None:
        self._nested.pop(sid, None)
        self._real.pop(sid, None)

    def source(self, rec: SourceRecord) -> str:
        """The source as /sources/all/ lists it (its real type)."""
        text = self._real.get(rec.sid)
        if text is None:
            text = self._real[rec.sid] = dumps(render_source(rec, self.feat.source_v2, True))
        return text

    def nested(self, rec: SourceRecord) -> str:
        """The source as nested in a connection (the base ``Source`` type)."""
        text = self._nested.get(rec.sid)
        if text is None:
            text = self._nested[rec.sid] = dumps(render_source(rec, self.feat.source_v2, False))
        return text

    def connection(
        self, pk: int, user: int, rec: SourceRecord, identifier: str, created: int, updated: int
    ) -> str:
        """One connection; ``created``/``updated`` are microseconds since the epoch."""
        nested = self.nested(rec)
        if not self.feat.source_obj:
            return self._template % (pk, user, nested, timestamp(created))
        source_pk = rec.fields["pk"]
        if not self.feat.identifier:
            return self._template % (pk, user, source_pk, nested, timestamp(created))
        return self._template % (
            pk,
            user,
            source_pk,
            nested,
            dumps(identifier),
            timestamp(created),
            timestamp(updated),
        )
