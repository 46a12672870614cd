"""The blog post's machine-written sections, and which of the paper's sentences each is written from.

Each :class:`BlogSection` names the paper section kinds that hold its facts and the
cue words that mark the sentences it wants. The limitation cues are the one rule
for "this sentence states a limitation", used by the summary's Limitations and by
the critique notes (:mod:`pipeline.author.critique_aids`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Sentences that state a limitation, not just any sentence with "only" or "open" in it
# ("We used a beam size of 21 only ..." is not a limitation).
LIMITATION_CUES = (
    r"\blimitations?\b|\bfuture (work|research|directions?)\b|\bwe leave\b|\bleft (for|to) future\b|"
    r"\bdrawbacks?\b|\bshortcomings?\b|\bweakness(es)?\b|\bcaveats?\b|\bopen (questions?|problems?|issues?)\b|"
    r"\bremains? (an? )?(open|unclear|unknown|challenging|difficult|to be)\b|\bnot (yet|always|clear)\b|"
    r"\bunclear\b|\bcannot\b|\bunable to\b|\bfails?\b|\bfailed\b|\bfailure\b|\bsuffers?\b|"
    r"\bdoes not (scale|generali[sz]e|work|hold|apply|capture|address|improve|help)\b|\brestricted to\b|"
    r"\bonly (works?|applies|holds|when|if)\b|\bcostly\b|\bexpensive\b|\bdegrades?\b|"
    r"\bwe (plan|intend|hope) to\b|\bin the future\b|\bgoals? of ours\b|\bchallenges? remains?\b|"
    r"\bmany challenges\b|\b(still|remains?) (a )?(large |significant |considerable )?gap\b"
)


# Of those, the ones that are a limitation or open question by themselves ("fails" may be about a baseline);
# a paper without the sections limitations are stated in is searched for these.
STRONG_LIMITATION_CUES = (
    r"limitation|future|plan to|intend to|goals? of ours|challenges? remains?|many challenges|drawback|"
    r"shortcoming|weakness|caveat|open (question|problem)|unclear|we leave|restricted to|\bgap\b"
)

LIMITATION = re.compile(LIMITATION_CUES, re.I)


@dataclass(frozen=True)
class BlogSection:
    heading: str
    instruction: str
    kinds: tuple[str, ...]  # paper section kinds that hold its facts
    cues: str = ""  # words that mark a sentence this section wants
    quotes: int = 2  # paper sentences quoted when the model's text does not hold
    cue_required: bool = False  # only sentences with a cue, from its own kinds, are evidence; with none, it says so
    strong_cues: str = ""  # cues that mark the sentences it wants most
    none_found: str = ""  # what the section says when no sentence qualifies


BLOG_SECTIONS = (
    BlogSection("TL;DR", "In 2 sentences, say what this paper does and what it finds.",
                ("abstract", "front", "introduction", "conclusion"), r"we (propose|introduce|present|show)|this paper", 2,
                strong_cues=r"\bwe (propose|introduce|present(ed)?|show(ed)?|develop(ed)?)\b|"
                            r"\bin this (work|paper),? we\b|\bour (method|approach|model|results)\b"),
    BlogSection("The problem", "In 2 sentences, explain the problem this paper addresses and why it matters.",
                ("abstract", "front", "introduction", "background", "related_work"),
                r"problem|challeng|limit|however|difficult|costly|expensive|slow|lack|need", 2),
    BlogSection("Key ideas", "In 3 sentences, state the key ideas of this paper.",
                ("abstract", "introduction", "method", "body"),
                r"we (propose|introduce|present)|novel|key|instead|unlike|based on|rather than", 3),
    BlogSection("How it works", "In 3 sentences, explain how the method works.",
                ("method", "body", "background", "appendix"),
                r"consist|comput|layer|train|each|architecture|algorithm|we use|input|output", 3),
    BlogSection("Results", "In 3 sentences, report the main results, with their numbers.",
                ("experiments", "results", "discussion", "conclusion", "abstract"),
                r"outperform|achiev|improv|state-of-the-art|accuracy|score|better|results? show|reduc", 3),
    BlogSection("Limitations", "In 2 sentences, state the limitations or open questions the authors mention.",
                ("limitations", "discussion", "conclusion", "results"), LIMITATION_CUES, 2, cue_required=True,
                strong_cues=STRONG_LIMITATION_CUES,
                none_found="_paperdraft found no limitation stated in the paper's text. "
                           "Which ones do you see? Your critique below is the place for them._"),
)


# "The remainder of this paper is organized as follows", "In Section 3 we describe": a map of the paper, not
# a fact from it, and never worth a blog sentence. ("As described in Section 3, we train ..." is a fact.)
_ROADMAP_VERBS = r"describes?|presents?|introduces?|discuss(es)?|shows?|explains?|provides?|reviews?|details?|" \
                 r"covers?|concludes?|outlines?|gives?|summari[sz]es?|reports?"


ROADMAP = re.compile(r"\b(remainder|rest) of (this|the) (paper|article|work)\b|\borgani[sz]ed as follows\b|"
                     r"^((finally|then|next|first|lastly),? )?(in )?(Section|Sec\.|§) ?[\dIVX]+(\.\d+)*,? "
                     r"(we )?(" + _ROADMAP_VERBS + r")\b", re.I)
