"""Logging for the gateway: one JSON object per line (``log.json``) or plain text, secrets redacted from
every line, and client-caused errors rate-limited so that no client can flood the log.

Client-caused errors (bad input, refused tokens, protocol violations) are logged on ``realtimenet.client``
at INFO, once each and without a traceback. Every line passes a rate limit on the handler: at most
``RateLimit.burst`` lines per message template per ``RateLimit.period`` seconds, the lines held back counted
in the next one let through; so neither a client (nor picows's parser errors it provokes) nor a failing
backend can flood the log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

client_log = logging.getLogger("realtimenet.client")

# A JWT (three base64url parts, the first a JSON header) and the query parameter browsers send it in.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
_ACCESS_TOKEN = re.compile(r"(access_token=)[^&\s\"']+")
REDACTED = "[redacted]"


class Redactor:
    """Removes tokens and configured secrets from text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Short values would redact ordinary words; a secret is at least 8 characters by any sane policy.
        self._secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        text = _ACCESS_TOKEN.sub(rf"\1{REDACTED}", text)
        text = _JWT.sub(REDACTED, text)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the traceback as a
    string field when there is one."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": self._redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = self._redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time level logger: message``, redacted."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


class RateLimit(logging.Filter):
    """Lets at most ``burst`` records per key (logger and message template) through per ``period`` seconds;
    the first record after a window says how many were held back."""

    def __init__(self, burst: int = 10, period: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.burst = burst
        self.period = period
        self._clock = clock
        self._windows: dict[tuple[str, str], list[float | int]] = {}  # key -> [window start, passed, held]

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = self._clock()
        window = self._windows.get(key)
        if window is None or now - window[0] >= self.period:
            held = int(window[2]) if window is not None else 0
            if len(self._windows) > 1024:  # message templates are few; never let the table grow unbounded
                self._windows.clear()
            self._windows[key] = [now, 1, 0]
            if held:
                record.msg = f"{record.msg} (and {held} more like it in the last {self.period:.0f} s)"
            return True
        if window[1] < self.burst:
            window[1] += 1
            return True
        window[2] += 1
        return False


def setup(level: str, as_json: bool, secrets: Iterable[str] = ()) -> None:
    """Configure the root logger for the gateway's process (stderr)."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(redact) if as_json else TextFormatter(redact))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = getattr(logging, level.upper())
    handler.addFilter(RateLimit())
    root.setLevel(numeric)
    # picows logs every accepted socket at INFO; keep that for log.level = debug.
    logging.getLogger("picows").setLevel(numeric if numeric <= logging.DEBUG else logging.WARNING)
