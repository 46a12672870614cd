"""The blog post's machine-written sections, and which of the paper's sentences each is written from.

Each :class:`BlogSection` names the paper section kinds that hold its facts and the
cue words that mark the sentences it wants. The limitation cues are the one rule
for "this sentence states a limitation", used by the summary's Limitations and by
the critique notes (:mod:`pipeline.author.critique_aids`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from pipeline.summarize.evidence import KeySentence, PaperIndex, numbers

EVIDENCE_PER_SECTION = 6  # paper sentences a section is written from

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


# ---- the paper's own work, and earlier work (issue 17: a TL;DR that opened with Caruana's earlier work, Key ideas
# that quoted the background, Results that quoted another paper's result, a "limitation" of earlier methods)

# The paper speaks of itself: "we", "our", "this paper", "here we", "the proposed", a single author's "I".
OWN = re.compile(r"\b(?:we|our|ours|us)\b|\bthis (?:paper|work|note|article|study|report|thesis|survey|tutorial|"
                 r"chapter|manuscript|letter)\b|\b(?:the|our) proposed\b|\bthe present (?:paper|work|study)\b", re.I)
SINGLE_AUTHOR = re.compile(r"(?:^|[,;:] )I\b|\bI (?:am|have|had|also|will|would|use|used|notice|show|derive|"
                           r"present|describe|created?|provide|propose|introduce|think|believe|find|found)\b")
_SURNAME = r"(?-i:[A-Z])[\w'’-]+"
_YEAR_CITE = r"\(\s*(?:\d{4}[a-z]?|[A-Z][^()]*?\d{4}[a-z]?)\s*\)"
_CITE_KEY = r"(?:\d+|(?-i:[A-Z])[A-Za-z+]{0,5}\d{2}[a-z]?)"  # [3], and the alphabetic style's [SJ03], [GBW14]
_NUMBER_CITE = rf"\[{_CITE_KEY}(?:\s*[,;–-]\s*{_CITE_KEY})*\]"
# A cited work as the sentence's subject, after any lead-in ("Recently, ", "In 2006, "): "Hinton et al. [3]
# proposed", "Tieleman & Hinton (2012) show", "[3] proposed", "Caruana and his collaborators have shown".
_LEAD_IN = (r"^(?:(?:recently|previously|earlier|later|similarly|also|moreover|furthermore|however|notably|"
            r"more recently|for (?:example|instance)|e\.g\.|in (?:\d{4}|particular|addition|their work)),?\s+)*")
CITED_SUBJECT = re.compile(
    _LEAD_IN + r"(?:in\s+)?(?:"
    rf"{_SURNAME}(?:\s+(?:and|&)\s+{_SURNAME})?\s+et\s+al\.?|"
    rf"{_SURNAME}\s+(?:and|&)\s+{_SURNAME}\s*(?:{_YEAR_CITE}|{_NUMBER_CITE})|"
    rf"{_SURNAME}\s*(?:\(\d{{4}}[a-z]?\)|{_NUMBER_CITE})|"
    rf"{_NUMBER_CITE}|"
    rf"{_SURNAME}\s+and\s+(?:his|her|their)\s+(?:collaborators|colleagues|co-?authors|co-?workers|students|group)|"
    r"the (?:authors|work) of\s+(?:" + _NUMBER_CITE + "|" + _SURNAME + r")|"
    r"(?:he|she|they)\s+(?:reported|showed|proposed|found|argued|introduced|observed|demonstrated|suggested)\b"
    r")", re.I)
# A cited work that the sentence goes on to describe: "in contrast to Peters et al. (2018a), which uses ...".
CITED_DESCRIBED = re.compile(rf"(?:et\s+al\.?|{_YEAR_CITE}|{_NUMBER_CITE})\s*,\s*(?:which|who)\b")
# Without "we" or "our", these make a sentence about earlier work or the field's background.
PRIOR_WORK = re.compile(
    r"\b(?:previous|prior|earlier|existing|conventional|traditional|classical|classic|recent|related|past|"
    r"other)\s+(?:[\w-]+\s+){0,3}?(?:work|works|methods?|approach(?:es)?|models?|systems?|studies|study|research|literature|art|"
    r"techniques?|efforts?|attempts?|results|papers?|architectures?|solutions?)\b|\bin the literature\b|"
    r"\b(?:has|have|had)\s+(?:also\s+|previously\s+|recently\s+|widely\s+|successfully\s+|long\s+)?been\s+"
    r"(?:proposed|introduced|shown|demonstrated|reported|explored|studied|investigated|developed|established|"
    r"applied|used|adopted)\b|\b(?:have|has)\s+become\b|\bremains?\s+(?:dominant|the\s+(?:dominant|standard))\b|"
    r"\bthe\s+dominant\b|\b(?:is|are)\s+(?:still\s+)?(?:the\s+)?state[- ]of[- ]the[- ]art\b|\bwell[- ]known\b|"
    r"\bwidely\s+(?:used|adopted|studied)\b|\b(?:these|such|those)\s+(?:approaches|methods|models|systems|"
    r"techniques|works)\b|\bis\s+known\s+to\b|\bin\s+conventional\b|"
    r"\b(?:reported|proposed|introduced|described|shown)\s+(?:in|by)\s+(?-i:[A-Z])[\w'’-]+(?:\s+et\s+al\b|\s*[\[(]\d)",
    re.I)
CITE_AT_END = re.compile(rf"(?:{_NUMBER_CITE}|\([A-Z][^()]*\d{{4}}[a-z]?\))\s*[.!?]?\d{{0,2}}$")  # and a footnote mark
# "Unlike Radford et al. (2018), which uses ..., BERT uses ...": the lead-in is earlier work, the rest is not.
CONTRAST_LEAD = re.compile(r"^(?:unlike|in contrast (?:to|with)|compared (?:to|with)|as opposed to|rather than|"
                           r"different from|similar to|like|following|inspired by|building on|motivated by)\b", re.I)


def _main_clause(sentence: str) -> str:
    """The sentence without a contrasting lead-in ("Unlike X et al. (2018), which ..., "): its main clause."""
    rest = sentence
    while CONTRAST_LEAD.match(rest) or (rest is not sentence and re.match(r"(?:which|who|that|where)\b", rest)):
        depth, cut = 0, None
        for i, c in enumerate(rest):
            if c in "([":
                depth += 1
            elif c in ")]":
                depth -= 1
            elif c == "," and depth <= 0:
                cut = i
                break
        if cut is None:
            return rest
        rest = rest[cut + 1:].lstrip()
    return rest


# "As we mentioned above, the method has also been applied to ...": the authors point back, the work is not theirs.
POINTING_BACK = re.compile(r"\bas (?:we|I) (?:have )?(?:mentioned|discussed|noted|saw|seen|said|described)\b[^,]*,?",
                           re.I)


@functools.lru_cache(maxsize=2**16)  # every section asks of every sentence
def is_own(sentence: str, names: tuple[str, ...] = ()) -> bool:
    """The paper speaks of its own work: "we", "our", "this paper", a single author's "I", or the name of the
    method its title gives ("BERT" in "BERT: Pre-training of ...")."""
    clause = POINTING_BACK.sub("", _main_clause(sentence))
    return bool(OWN.search(clause) or SINGLE_AUTHOR.search(clause)
                or any(re.search(rf"\b{re.escape(n)}\b", clause) for n in names))


@functools.lru_cache(maxsize=2**16)
def about_earlier_work(sentence: str, names: tuple[str, ...] = ()) -> bool:
    """The sentence is about earlier work or the field's background, not the paper's own contribution:
    a cited work as its subject ("Caruana et al. [3] proposed", "[3] showed"), a cited work it describes
    ("Peters et al. (2018a), which uses"), or, without the paper speaking of itself, "previous work",
    "existing methods", "has been proposed", "have become", "the dominant", a claim that ends in a citation."""
    clause = _main_clause(sentence)
    if CITED_SUBJECT.match(clause):
        return True
    described = CITED_DESCRIBED.search(clause)  # but "Our method combines AdaGrad (Duchi et al., 2011), which ..."
    if described and not is_own(clause[:described.start()], names):
        return True
    return not is_own(sentence, names) and bool(PRIOR_WORK.search(clause) or CITE_AT_END.search(clause[-200:]))


# How an experiment was set up, not what it found: "We train all models ...", "We compare Adam to ...".
SETUP = re.compile(r"^(?:to \w+[^,]*,\s*|first,?\s*|then,?\s*|next,?\s*)?we\s+(?:first\s+|also\s+|then\s+)?"
                   r"(?:train(?:ed)?|use[ds]?|used|compare[ds]?|employ(?:ed)?|follow(?:ed)?|evaluate[ds]?|fine-tune[ds]?|"
                   r"report|run|ran|set|chose|choose|select(?:ed)?|implement(?:ed)?|pre-train(?:ed)?|denote|describe)\b",
                   re.I)


def own_names(title: str) -> tuple[str, ...]:
    """The method a title names before its colon: "BERT", "Adam", "PaLM"; none for "Attention Is All You Need"."""
    head = title.split(":", 1)[0].strip() if ":" in title else ""
    return (head,) if head and len(head.split()) <= 2 and re.search(r"[A-Za-z]", head) else ()


def states_own_limitation(sentence: str, names: tuple[str, ...] = ()) -> bool:
    """A limitation the paper states of its own work, not a drawback of earlier methods ("The biggest drawback
    of these approaches is ..."); the one rule for Limitations and for the critique notes."""
    return bool(LIMITATION.search(sentence)) and not about_earlier_work(sentence, names)


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
    own_bonus: float = 0.0  # added to a sentence where the paper speaks of its own work ("we", "our", "this paper")
    earlier_penalty: float = 0.0  # taken from a sentence about earlier work or background (about_earlier_work)
    own_only: bool = False  # sentences about earlier work are no evidence at all ("a drawback of earlier methods")


OWN_BONUS = 0.25  # TL;DR and Key ideas: the paper's own contribution outranks a more central sentence of background
EARLIER_PENALTY = 0.5  # a sentence about earlier work is taken only where nothing else is left
OWN_RESULT_BONUS = 0.1  # Results and Limitations: the paper's own result or limitation first

BLOG_SECTIONS = (
    BlogSection("TL;DR", "In 2 sentences, say what this paper does and what it finds.",
                ("abstract", "front", "introduction", "conclusion"), r"we (propose|introduce|present|show)|this paper", 2,
                strong_cues=r"\bwe (propose|introduce|present(ed)?|show(ed)?|develop(ed)?)\b|"
                            r"\bin this (work|paper),? we\b|\bour (method|approach|model|results)\b",
                own_bonus=OWN_BONUS, earlier_penalty=EARLIER_PENALTY),
    BlogSection("The problem", "In 2 sentences, explain the problem this paper addresses and why it matters.",
                ("abstract", "front", "introduction", "background", "related_work"),
                r"problem|challeng|limit|however|difficult|costly|expensive|slow|lack|need", 2),
    BlogSection("Key ideas", "In 3 sentences, state the key ideas of this paper.",
                ("abstract", "introduction", "method", "body"),
                r"we (propose|introduce|present)|novel|key|instead|unlike|based on|rather than", 3,
                own_bonus=OWN_BONUS, earlier_penalty=EARLIER_PENALTY),
    BlogSection("How it works", "In 3 sentences, explain how the method works.",
                ("method", "body", "background", "appendix"),
                r"consist|comput|layer|train|each|architecture|algorithm|we use|input|output", 3),
    BlogSection("Results", "In 3 sentences, report the main results, with their numbers.",
                ("experiments", "results", "discussion", "conclusion", "abstract"),
                r"outperform|achiev|improv|state-of-the-art|accuracy|score|better|results? show|reduc", 3,
                own_bonus=OWN_RESULT_BONUS, earlier_penalty=EARLIER_PENALTY),
    BlogSection("Limitations", "In 2 sentences, state the limitations or open questions the authors mention.",
                ("limitations", "discussion", "conclusion", "results"), LIMITATION_CUES, 2, cue_required=True,
                strong_cues=STRONG_LIMITATION_CUES, own_bonus=OWN_RESULT_BONUS, own_only=True,
                none_found="_paperdraft found no limitation stated in the paper's text. "
                           "Which ones do you see? Your critique below is the place for them._"),
)
BLOG_HEADINGS = tuple(b.heading for b in BLOG_SECTIONS)


# "The remainder of this paper is organized as follows", "In Section 3 we describe": a map of the paper, not
# a fact from it, and never worth a blog sentence. ("As described in Section 3, we train ..." is a fact.)
_ROADMAP_VERBS = r"describes?|presents?|introduces?|discuss(es)?|shows?|explains?|provides?|reviews?|details?|" \
                 r"covers?|concludes?|outlines?|gives?|summari[sz]es?|reports?|stud(y|ies)|considers?|derives?|" \
                 r"analy[sz]es?|investigates?|examines?|turns? to|evaluates?|compares?|defines?|demonstrates?"


ROADMAP = re.compile(r"\b(remainder|rest) of (this|the) (paper|article|work)\b|\borgani[sz]ed as follows\b|"
                     r"^((finally|then|next|first|lastly),? )?(in )?(Section|Sec\.|§) ?[\dIVX]+(\.\d+)*,? "
                     r"(we )?(" + _ROADMAP_VERBS + r")\b|"
                     r"^in this (section|chapter),? we (first )?(" + _ROADMAP_VERBS + r")\b", re.I)


def placement(blog: BlogSection, sentence: str, names: tuple[str, ...], cue: bool) -> float:
    """What a section adds to a sentence's rank for the paper's own work, and takes for earlier work (issue 17).
    In Results only the paper's own finding counts (a ``cue`` word, not the set-up), twice with a number in it."""
    if not (blog.own_bonus or blog.earlier_penalty):
        return 0.0
    if about_earlier_work(sentence, names):
        return -blog.earlier_penalty
    own = is_own(sentence, names)
    if blog.heading == "Results":
        own = own and cue and not SETUP.search(sentence)
        return blog.own_bonus * (2 if numbers(sentence) else 1) if own else 0.0
    return blog.own_bonus if own else 0.0


def section_evidence(blog: BlogSection, index: PaperIndex, taken: set[str],
                     names: tuple[str, ...] = ()) -> list[KeySentence]:
    """The paper sentences ``blog`` is written from, in reading order, scored by the section's own ranking.

    A sentence in ``taken`` (an earlier section's quotes) is offered only where too few others are left.
    """
    cue = re.compile(blog.cues, re.I) if blog.cues else None
    strong = re.compile(blog.strong_cues, re.I) if blog.strong_cues else None
    prose = [s for s in index.sentences if s.prose] or index.sentences  # a paper of tables alone: its pieces

    def eligible(s: KeySentence) -> bool:
        return not ROADMAP.search(s.text) and not (blog.own_only and about_earlier_work(s.text, names))

    pool = [s for s in prose if s.kind in blog.kinds and eligible(s)]
    if blog.cue_required and cue:
        pool = [s for s in pool if cue.search(s.text)]
        if not pool and strong:  # none where such sentences live: the strongest cues, anywhere in the paper
            pool = [s for s in prose if strong.search(s.text) and eligible(s)]
    elif not pool:  # no section of those kinds: any sentence may do
        pool = [s for s in prose if eligible(s)]
    fresh = [s for s in pool if s.text not in taken]
    pool = fresh if len(fresh) >= blog.quotes + 1 or (blog.cue_required and fresh) else pool
    if blog.earlier_penalty:  # earlier work only where nothing else is left: fewer quotes, not misplaced ones
        pool = [s for s in pool if not about_earlier_work(s.text, names)] or pool

    def score(s: KeySentence) -> float:
        bonus = 0.15 if cue and cue.search(s.text) else 0.0
        bonus += 0.2 if strong and strong.search(s.text) else 0.0
        bonus += 0.1 if blog.heading == "Results" and numbers(s.text) else 0.0
        bonus += 0.1 * (len(blog.kinds) - blog.kinds.index(s.kind)) / len(blog.kinds) if s.kind in blog.kinds else 0
        return s.score + bonus + placement(blog, s.text, names, bool(cue and cue.search(s.text)))

    chosen = sorted(sorted(pool, key=score, reverse=True)[:EVIDENCE_PER_SECTION], key=index.position)
    return [replace(s, score=score(s)) for s in chosen]  # the section's own ranking picks its quotes
