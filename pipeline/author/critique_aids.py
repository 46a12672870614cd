"""Facts an author checks before judging a paper, found in its text, each with its page.

These go under the critique's guiding questions as HTML comments: code and
data links, the datasets and baselines the paper names, the compute it
reports, and the limitations it states. They are facts, never opinions: the
pipeline does not write the judgement.
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.extract.pdf import describe_pages
from pipeline.records import Document
from pipeline.summarize.blog_sections import states_own_limitation
from pipeline.summarize.evidence import split_sentences

# Extraction joins a URL broken at a line end with a space: "https://github.com/ tensorflow/x".
URL = re.compile(r"https?://[^\s<>\"')\]]+(?:(?<=[/_-])\s[a-z0-9][^\s<>\"')\]]*)?")
CODE_HOSTS = re.compile(r"github|gitlab|bitbucket|huggingface|zenodo|kaggle|figshare|tensorflow/|pytorch", re.I)
DATASET_CUE = re.compile(r"\b(data ?sets?|benchmarks?|corpus|corpora|test sets?|evaluate[ds]? on|trained on)\b", re.I)
BASELINE_CUE = re.compile(r"\b(baselines?|compared? (to|with)|outperform\w*|than)\b", re.I)
COMPUTE = re.compile(
    r"\b(\d[\d,.]*\s*(GPUs?|TPUs?|(GPU|TPU)[- ]?(hours|days)|hours|days|PF-?days|FLOPs?|petaflops?)|"
    r"(P100|V100|A100|H100|K80|TPU ?v\d))\b",
    re.I,
)
NAME = re.compile(r"\b(?:[A-Z][A-Za-z]*[A-Z0-9][A-Za-z0-9-]*|[A-Z][a-z]+[A-Z][A-Za-z0-9-]*)(?:[- ]\d{1,4}(?:\.\d)?)?\b")
COMMON = {"In", "We", "The", "Table", "Figure", "Fig", "Section", "Eq", "Our", "For", "On", "This", "It", "As", "To"}
# Metrics are what a paper measures with, never a dataset or a baseline: "WER (p. 3)" under "Datasets" misled.
# Word error rate and its kin, translation and summary scores, F-scores, ranking and detection scores,
# image and audio quality, errors and perplexity; plurals ("EERs") and variants ("ROUGE-L", "BLEU-4", "Top-1").
METRIC = re.compile(
    r"(?:[WCPS]ER|EER|DER|TER|UER|minDCF|DCF|C(?:llr|LLR)|(?:Sacre)?BLEU|ROUGE|METEOR|CIDE[rR]|SPICE|chrF|BERTScore|"
    r"BLEURT|COMET|F1|F-?(?:score|measure)|EM|mAP|AP|AUC|AUROC|ROC|MRR|NDCG|nDCG|PSNR|SSIM|FID|LPIPS|MSE|RMSE|MAE|"
    r"MAPE|PPL|MOS|SNR|SDR|SI-S[ND]R|PESQ|STOI|UAR|WA|UA|Acc|Top|IoU|mIoU|PCK|OKS|NLL|BPC|BPB)"
    r"(?:s|[- ]?(?:\d{1,2}|[LNSW]|Lsum|SU4|@\d+))?")
NOT_A_BASELINE = re.compile(r"FLOPs?|[TGP]FLOPS|GPUs?|TPUs?|[KMPVAH]\d+", re.I)
# A sentence about words ("the word "BMW" is rare", "names such as Paris"): its quoted or listed examples are
# words it talks about, never datasets or baselines.
ABOUT_WORDS = re.compile(r"\b(words?|tokens?|vocabular(y|ies)|terms?|names?|phrases?|entit(y|ies)|spellings?|"
                         r"characters?|subwords?|lexic\w*|morphem\w*|nouns?|verbs?|acronyms?|abbreviations?)\b", re.I)
QUOTED = re.compile(r"[\"“'‘`]([^\"“”'‘’`]{1,60})[\"”'’`]")
_EXAMPLE_NAME = r"[A-Z][\w-]*"
EXAMPLES = re.compile(rf"\b(?:e\.g\.|i\.e\.|such as|like|for (?:example|instance)|including),?\s+"
                      rf"({_EXAMPLE_NAME}(?:,?\s+(?:and\s+|or\s+)?{_EXAMPLE_NAME})*)")
LIMIT_EACH = 6


def _sentences(doc: Document):
    for section in doc.body:
        for offset, sentence in split_sentences(section.text):
            yield section.page_at(offset), sentence


def _quote(sentence: str, limit: int = 160) -> str:
    text = sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text.replace("--", "–").replace("TODO", "To-do")


def example_spans(sentence: str) -> list[tuple[int, int]]:
    """Where a sentence about words gives its examples: in quotes, or after "e.g.", "such as", "like"."""
    if not ABOUT_WORDS.search(sentence):
        return []
    return [m.span(1) for m in QUOTED.finditer(sentence)] + [m.span(1) for m in EXAMPLES.finditer(sentence)]


def is_name_of_a_thing(name: str) -> bool:
    """Whether a capitalised name can be a dataset or a baseline: not a metric, a unit of compute or hardware."""
    return (name not in COMMON and len(name) > 2 and not METRIC.fullmatch(name)
            and not NOT_A_BASELINE.fullmatch(name))


def _names(doc: Document, cue: re.Pattern) -> list[tuple[str, int]]:
    """Capitalised names (ImageNet, WMT 2014, BERT-large) in sentences that carry ``cue``, first page each;
    never a metric (WER, BLEU, F1) or a word a sentence gives as an example ("the word "BMW"")."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for page, sentence in _sentences(doc):
        if cue.search(sentence):
            examples = example_spans(sentence)
            for match in NAME.finditer(sentence):
                name = match.group(0)
                if is_name_of_a_thing(name) and not any(a <= match.start() < b for a, b in examples):
                    counts[name] += 1
                    first.setdefault(name, page)
    return [(name, first[name]) for name, _ in counts.most_common(LIMIT_EACH * 2)]


def critique_aids(doc: Document) -> list[str]:
    """One line per fact, ready to sit inside an HTML comment."""
    if doc.page_count <= 1:  # a text file: pages mean nothing
        return [re.sub(r" ?\(p\. \d+\)", "", line) for line in _aids(doc)]
    return _aids(doc)


def _at(page: int) -> str:
    """" (p. 4)"; nothing for a text without pages (a LaTeX source drafted without its PDF)."""
    return f" (p. {page})" if page else ""


def _aids(doc: Document) -> list[str]:
    lines: list[str] = []
    if doc.unreadable_pages:
        lines.append(f"Pages {describe_pages(doc.unreadable_pages)} of {doc.page_count} could not be read (no text, "
                     "undecodable, or over the safety limits): the summary leaves them out; read them in the PDF")
    links: dict[str, int] = {}
    for page, sentence in _sentences(doc):
        for url in URL.findall(sentence):
            links.setdefault(url.replace(" ", "").rstrip(".,;:"), page)
    code = [f"{url}{_at(p)}" for url, p in links.items() if CODE_HOSTS.search(url)][:LIMIT_EACH]
    lines.append("Code and data links: " + ("; ".join(code) if code else "none found in the text"))
    datasets = _names(doc, DATASET_CUE)
    if datasets:
        lines.append("Datasets and benchmarks named: " + ", ".join(f"{n}{_at(p)}" for n, p in datasets))
    baselines = _names(doc, BASELINE_CUE)
    if baselines:
        lines.append("Models and baselines compared: " + ", ".join(f"{n}{_at(p)}" for n, p in baselines))
    compute = [(p, s) for p, s in _sentences(doc) if COMPUTE.search(s)][:3]
    lines += [f"Compute reported{_at(p)}: {_quote(s)}" for p, s in compute] or ["Compute reported: none found"]
    stated = [(p, s) for p, s in _sentences(doc) if states_own_limitation(s)][:3]  # not earlier methods' drawbacks
    lines += [f"Limitation stated{_at(p)}: {_quote(s)}" for p, s in stated] or ["Limitations stated: none found"]
    return lines
