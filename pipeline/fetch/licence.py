"""A paper's licence, from arXiv's OAI-PMH interface (``GetRecord``, ``metadataPrefix=arXiv``: its ``<license>``).

Asked through the same gate and retries as the API and the PDFs, and cached per paper version
(``<cache>/licences/<id>.txt``), so a redraft asks nothing. The licence only decides what ``publish`` may
copy, so a failure to learn it never stops a draft: the licence is then unknown (:data:`UNKNOWN`), which
publishes the most carefully, and the draft says so.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from pipeline.config import Settings
from pipeline.errors import FetchError, PaperdraftError
from pipeline.fetch.client import shared_client
from pipeline.fetch.gate import GATE
from pipeline.fetch.retries import request_errors, status_failure, timeout_seconds, with_retries
from pipeline.hashing import sha256_text
from pipeline.records import PaperMeta

log = logging.getLogger(__name__)

UNKNOWN = "unknown"
NO_LICENCE = "none"  # the record has no <license>: arXiv's default, its non-exclusive distribution licence
MAX_RECORD_BYTES = 2 * 2**20
LICENCE_RETRIES = 1
_NS = {"oai": "http://www.openarchives.org/OAI/2.0/", "arXiv": "http://arxiv.org/OAI/arXiv/"}


def parse_licence(xml: bytes | str) -> str:
    """The ``<license>`` URL of an OAI-PMH arXiv record; :data:`NO_LICENCE` when the record has none.
    Raises FetchError for an OAI error answer or a document that is not one."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as err:
        raise FetchError(f"the OAI-PMH answer is not XML ({err})") from None
    error = root.find("oai:error", _NS)
    if error is not None:
        raise FetchError(f"OAI-PMH answered {error.get('code', 'an error')}: {' '.join((error.text or '').split())}")
    record = root.find(".//oai:record", _NS)
    if record is None:
        raise FetchError("the OAI-PMH answer holds no record")
    licence = record.find(".//arXiv:license", _NS)
    return " ".join(licence.text.split()) if licence is not None and licence.text else NO_LICENCE


def _cache_path(meta: PaperMeta, settings: Settings) -> Path:
    return Path(settings.cache) / "licences" / f"{sha256_text(str(meta.versioned_id or meta.arxiv_id), 24)}.txt"


def fetch_licence(meta: PaperMeta, settings: Settings) -> str:
    """The licence URL of an arXiv paper (or NO_LICENCE, or UNKNOWN when it could not be learned)."""
    if not meta.arxiv_id:
        return UNKNOWN
    cached = _cache_path(meta, settings)
    try:
        return cached.read_text(encoding="utf-8").strip() or UNKNOWN
    except OSError:
        pass
    base = settings.arxiv_oai_url.rstrip("?")
    params = {"verb": "GetRecord", "identifier": f"oai:arXiv.org:{meta.arxiv_id}", "metadataPrefix": "arXiv"}
    session = shared_client(settings).session
    timeout = timeout_seconds(settings)

    def once() -> str:
        with GATE.slot(settings.arxiv_delay_seconds), request_errors(timeout):
            resp = session.get(base, params=params, timeout=timeout)
            failure = status_failure(resp)
            if failure is not None:
                raise failure
            if resp.status_code != 200:
                raise FetchError(f"OAI-PMH answered HTTP {resp.status_code} ({base})")
            if len(resp.content) > MAX_RECORD_BYTES:
                raise FetchError(f"the OAI-PMH record is larger than {MAX_RECORD_BYTES >> 20} MiB ({base})")
            return parse_licence(resp.content)

    # the licence only decides what publish copies: one retry, not a PDF's patience, before "unknown"
    patient = settings.replace(arxiv_retries=min(settings.arxiv_retries, LICENCE_RETRIES))
    try:
        licence = with_retries(f"licence of {meta.versioned_id}", base, patient, once)
    except PaperdraftError as err:
        log.warning("%s: the licence is unknown (%s); publish will not copy its figures", meta.versioned_id, err)
        return UNKNOWN
    if re.fullmatch(r"[\x21-\x7e]{1,300}", licence):
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_text(licence + "\n", encoding="utf-8")
        except OSError as err:
            log.warning("could not keep the licence in the cache (%s): %s", cached, err)
    return licence if re.fullmatch(r"[\x21-\x7e]{1,300}", licence) else UNKNOWN
