"""arXiv's category taxonomy: which categories exist, checked before any request is made.

From https://arxiv.org/category_taxonomy. One rule for the CLI, the flows and :func:`new_in_categories`.
"""

from __future__ import annotations

from pipeline.errors import InvalidSourceError

_ARCHIVES_WITH_SUBJECTS = {
    "cs": "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA NE NI OH OS PF PL RO SC SD SE SI SY",
    "math": "AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA RA RT SG SP ST",
    "stat": "AP CO ME ML OT TH",
    "eess": "AS IV SP SY",
    "econ": "EM GN TH",
    "q-bio": "BM CB GN MN NC OT PE QM SC TO",
    "q-fin": "CP EC GN MF PM PR RM ST TR",
    "astro-ph": "CO EP GA HE IM SR",
    "cond-mat": "dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con",
    "physics": "acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an ed-ph flu-dyn gen-ph "
    "geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph space-ph",
    "nlin": "AO CD CG PS SI",
}


_PLAIN_ARCHIVES = "astro-ph cond-mat gr-qc hep-ex hep-lat hep-ph hep-th math-ph nucl-ex nucl-th quant-ph nlin physics q-bio q-fin"
KNOWN_CATEGORIES: frozenset[str] = frozenset(
    [f"{archive}.{subject}" for archive, subjects in _ARCHIVES_WITH_SUBJECTS.items() for subject in subjects.split()]
    + _PLAIN_ARCHIVES.split()
    + ["math.MP"]
)


def check_categories(categories: list[str]) -> list[str]:
    out = []
    for c in categories:
        c = c.strip()
        if c not in KNOWN_CATEGORIES:
            close = sorted(k for k in KNOWN_CATEGORIES if k.lower() == c.lower())
            hint = f"did you mean {close[0]}?" if close else "e.g. cs.CL, cs.LG, stat.ML (https://arxiv.org/category_taxonomy)"
            raise InvalidSourceError(f"unknown arXiv category: {c!r}", hint=hint)
        if c not in out:
            out.append(c)
    return out
