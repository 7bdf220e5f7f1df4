"""Verdicts a person would sign: is an answer right, and which key points does it cover.

Rule-based and deterministic (`answer_verdict`, `key_point_verdicts`), with figures compared as
quantities (eval.figures), words compared through jieba and the project's synonyms, and an
optional e5 similarity for key points. `LLMJudge` asks a model the same questions; its verdicts
are reported next to the rules', never instead of them.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from yanbao.eval.figures import Figure, comparable, figures, same, states
from yanbao.eval.gold import GoldItem
from yanbao.eval.text import normalize, prepare
from yanbao.index.tokenize import synonym_groups, tokenize

log = logging.getLogger(__name__)

KP_MIN_SHARE = 0.45  # a key point is covered when this share of its content characters is in the answer
KP_MIN_SIM_CROSS = 0.80  # an answer in English covers a Chinese key point at this e5 cosine (when enabled)
ANSWER_MIN_KP_SHARE = 0.5  # an open question's answer is right when it covers this share of key points

_REFUSAL = re.compile(
    r"未提及|(?:没有|未|并未|并没有|不曾)(?:给出?|设定|披露|提及|提到|说明|公布|透露|涉及|包含|列出|找到|相关|这方面|该|具体|明确|单独)"
    r"|无法(?:回答|确定|找到|从|得知)|不能回答|查无|无相关|未见|报告[中里]?(?:并)?(?:没有|未)"
    r"|no(?:t)?(?:mentioned|found|given|provided|stated|disclosed|information|data)"
    r"|(?:do|does|did)(?:n'?t|not)(?:say|mention|give|state|provide|include|report|disclose|contain|specify)"
    r"|cannotbeanswered|notinthereports?|notspecified|notreported"
)
_CODE = re.compile(r"(?<![a-z0-9])s\d{13}(?![0-9])")  # 执业证书 numbers: S + 13 digits
# interrogatives: a question with several asks a figure for each
_ASKS = re.compile(r"多少|几[个倍家款项次月日年天颗台]?|哪[一些个家天年月位]?|什么时候|何时|多大|多长|多久|多高|多快|怎样|如何|为什么|是谁|谁|呢[?？]|分别|各是|各为|各自")
# words that only link a figure to its sentence: left out of a figure's label
_LINKS = frozenset("的 了 为 是 而是 约 达 达到 至 到 在 有 共 共计 合计 约为 大约 将 已 其中 其 和 与 及 或 而 则 就 也 都 "
                   "仅 超 超过 近 接近 逾 高达 左右 以上 以下 分别 各 同样 均 相比 比 对 从 由 把 被 给 向 于 以 一处 另 两处".split())
# comparison words: (axis, sign). An answer that takes the other side of the gold's axis is wrong.
_RELATIONS = (
    ("不一致", "same", -1), ("不一样", "same", -1), ("不相同", "same", -1), ("不同", "same", -1), ("有差异", "same", -1),
    ("对不上", "same", -1), ("不吻合", "same", -1),
    ("一致", "same", 1), ("一样", "same", 1), ("相同", "same", 1), ("相符", "same", 1), ("对得上", "same", 1),
    ("吻合", "same", 1),
    ("高于", "cmp", 1), ("超过", "cmp", 1), ("超出", "cmp", 1), ("大于", "cmp", 1), ("多于", "cmp", 1),
    ("领先", "cmp", 1), ("优于", "cmp", 1), ("快于", "cmp", 1),
    ("低于", "cmp", -1), ("小于", "cmp", -1), ("少于", "cmp", -1), ("不及", "cmp", -1), ("落后", "cmp", -1),
    ("弱于", "cmp", -1), ("慢于", "cmp", -1),
    ("disagree", "same", -1), ("inconsistent", "same", -1), ("differ", "same", -1), ("notthesame", "same", -1),
    ("notmatch", "same", -1), ("n'tmatch", "same", -1), ("mismatch", "same", -1), ("notagree", "same", -1),
    ("n'tagree", "same", -1), ("notconsistent", "same", -1),
    ("agree", "same", 1), ("consistent", "same", 1), ("thesame", "same", 1), ("match", "same", 1),
    ("above", "cmp", 1), ("higher", "cmp", 1), ("below", "cmp", -1), ("lower", "cmp", -1),
    ("上升", "trend", 1), ("增长", "trend", 1), ("上涨", "trend", 1), ("提升", "trend", 1), ("增加", "trend", 1),
    ("下降", "trend", -1), ("下滑", "trend", -1), ("下跌", "trend", -1), ("减少", "trend", -1), ("降低", "trend", -1),
    ("收跌", "trend", -1), ("收涨", "trend", 1),
)
_RELATION_RX = re.compile("|".join(re.escape(w) for w, _, _ in sorted(_RELATIONS, key=lambda r: -len(r[0]))))
_RELATION_OF = {w: (axis, sign) for w, axis, sign in _RELATIONS}
_YESNO_Q = re.compile(r"是否|是不是|有没有|能否|能不能|会不会|吗[?？]?$|吗[,，]")
_YES = re.compile(r"^(?:是|是的|对|会|能|有|可以|yes)")
_NO = re.compile(r"^(?:否|不是|不对|不会|不能|没有|无|不可以|no\b)")


@dataclass(frozen=True)
class Verdict:
    """A judgment and its reason: correct is None when it does not apply."""

    correct: bool | None
    reason: str

    def to_json(self) -> dict:
        return {"correct": self.correct, "reason": self.reason}


def is_refusal(text: str) -> bool:
    """True when the answer's first sentence says the reports do not give the answer."""
    first = re.split(r"[。!?！？\n]", text.strip(), maxsplit=1)[0]
    return bool(_REFUSAL.search(normalize(first))) or not normalize(text)


def says_not_given(text: str) -> bool:
    """True when any sentence of the answer says the reports do not give what was asked."""
    return bool(_REFUSAL.search(normalize(text))) or not normalize(text)


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, tuple[str, ...]]:
    """term -> its group: the project's synonyms (data/synonyms.txt) and the scorer's paraphrases
    (data/eval_synonyms.txt)."""
    from importlib import resources

    groups = list(synonym_groups())
    extra = (resources.files("yanbao") / "data" / "eval_synonyms.txt").read_text(encoding="utf-8")
    groups += [tuple(line.split()) for line in extra.splitlines() if line.strip() and not line.startswith("#")]
    out: dict[str, tuple[str, ...]] = {}
    for group in groups:
        for term in group:
            t = normalize(term)
            out[t] = tuple(dict.fromkeys(out.get(t, ()) + tuple(normalize(x) for x in group if normalize(x) != t)))
    return out


def _present(word: str, haystack: str) -> bool:
    """True when `word` or one of its synonyms is a substring of the normalised `haystack`."""
    w = normalize(word)
    return w in haystack or any(s in haystack for s in _synonyms().get(w, ()))


def _sentence_start(text: str, at: int) -> int:
    """Offset where the sentence holding `at` starts: after 。；！？, a line break, or ". " in English."""
    english = text.rfind(". ", 0, at)
    cut = max(max(text.rfind(c, 0, at) for c in "。;!?！？；\n"), english + 1 if english >= 0 else -1)
    return cut + 1


def label_words(prep: str, fig: Figure, figs: tuple[Figure, ...]) -> list[str]:
    """The words a figure is stated for: its sentence up to the figure, other numbers and linking
    words left out, dates kept whole (jieba, lower case). "博通营收131亿美元,同比增长44%" -> 44% is
    labelled [博通, 营收, 同比, 增长]; "2023年为15.64亿元" -> [2023年]."""
    start = _sentence_start(prep, fig.start)
    words, pos = [], start
    for f in figs:
        if f.end <= start or f.start >= fig.start:
            continue
        words += _words(prep[pos:max(pos, f.start)])
        if f.kind == "date":
            words.append(f.text)  # a date names the period a figure is for
        pos = max(pos, f.end)
    return words + _words(prep[pos:fig.start])


def _words(text: str) -> list[str]:
    text = re.sub(r"\[\d+\]", " ", text)
    return [w for w in tokenize(text) if w not in _LINKS and not re.fullmatch(r"[\d.]+", w)]


def _loosely_comparable(a: Figure, b: Figure) -> bool:
    """Both dates, or numbers of one dimension where a number without a unit goes with any."""
    return a.kind == b.kind and (a.kind == "date" or a.unit == b.unit or not a.unit or not b.unit)


def _accept_figures(item: GoldItem) -> tuple[list[list[Figure]], list[str]]:
    """(groups of accepted figures, one group per distinct value; accepted texts that are no figure).

    An accept string is a figure when one figure covers at least half of it. A bare accepted number
    ("141") takes its unit from the same number in the gold answer ("141GB")."""
    gold_figs = figures(item.answer)
    groups: list[list[Figure]] = []
    texts: list[str] = []
    for a in item.accept:
        figs = figures(a)
        n = normalize(a)
        if len(figs) == 1 and (figs[0].end - figs[0].start) * 2 >= len(n):
            f = figs[0]
            if f.kind == "number" and f.bare:
                f = next((g for g in gold_figs if g.kind == "number" and not g.bare and g.hi is None
                          and abs(g.mantissa - f.mantissa) < 1e-9
                          and g.decimals == f.decimals), f)
            for group in groups:
                if any(same(f, g) or same(g, f) for g in group):
                    group.append(f)
                    break
            else:
                groups.append([f])
        else:
            texts.append(n)
    return groups, texts


def states_accepted(item: GoldItem, text: str) -> bool:
    """True when `text` (a cited passage) states an accepted value: an accepted figure as a
    quantity, or an accepted text."""
    groups, texts = _accept_figures(item)
    figs = figures(text)
    norm = normalize(text)
    return any(same(f, g) for group in groups for g in group for f in figs) or any(t and t in norm for t in texts)


_COMPUTED_GOLD = re.compile(r"计算得出\s*[)）]?\s*[:：]?(.*)", re.S)


def _gold_inputs(item: GoldItem) -> list[Figure]:
    """The figures a computed gold answer computes from ("16.4万亿 ÷ 4万亿 ≈ 4.1" -> 16.4万亿, 4万亿): those of
    its formula, after 计算得出, that are no accepted value and no result (after = or ≈)."""
    m = _COMPUTED_GOLD.search(item.answer)
    if not m:
        return []
    groups, _ = _accept_figures(item)
    accepted = [g for group in groups for g in group]
    inputs = []
    for part in re.split(r"[；;]", m.group(1).split("。")[0]):  # the formula, not the sources named after it
        part = re.split(r"[=≈]", part)[0]  # the result is the answer, not an input
        inputs += [f for f in figures(part) if f.kind == "number" and not any(same(f, a) or same(a, f) for a in accepted)
                   and not f.text.endswith(("×", "*"))  # (141 × 1.8: an operand, not a multiple)
                   and (not f.bare or len(re.sub(r"\D", "", f.text)) >= 3)]  # (a bare 1 or 7 is found anywhere)
    return inputs


def states_input(item: GoldItem, text: str) -> bool:
    """True when `text` (a cited passage) states an input of a computed gold answer: a multiple or a
    difference is never written in the passages its inputs come from, and a passage giving one input
    (东吴's 4万亿 of 16.4万亿 ÷ 4万亿) supports the computed answer as its gold quotes do."""
    inputs = _gold_inputs(item)
    return bool(inputs) and any(same(f, g) for g in inputs for f in figures(text) if g.bare or not f.bare)


def _relation(text: str) -> dict[str, int]:
    """Sign per comparison axis named in the normalised text, in order of first appearance; an
    axis named both ways gets 0."""
    out: dict[str, int] = {}
    for m in _RELATION_RX.finditer(text):
        axis, sign = _RELATION_OF[m.group(0)]
        out[axis] = sign if out.get(axis, sign) == sign else 0
    return out


_FORMULA_OPEN = re.compile(r"[（(]\s*计算得出\s*[:：]")
# a line quoting a report: "民生证券《AI投资的新范式》：…", "· 2025年5月：民生证券《…》（2024-12-24）：…"
_QUOTE_LINE = re.compile(r"^(?![·•]?\s*结论)(?:[·•]\s*)?(?:[^\n:：《]{0,16}[:：])?\s*[^\n:：《。]{0,12}《[^》\n]+》"
                         r"[^\n:：]{0,16}[:：].*$", re.M)
# says that two figures agree without a comparison word: "都是557.6万美元", "均为64颗"
_ASKS_YESNO = re.compile(r"吗|是否|是不是|能否")
_SAME_SOFT = re.compile(r"都是|都约|均为|均是|均约|都为|同为|均称|都称|both")


def _formula_spans(prep: str) -> list[tuple[int, int]]:
    """Spans of shown computations "(计算得出: 246.12 ÷ (1 + 120.68%) ≈ 111.5)", nested parentheses
    included: their figures are a computation's inputs."""
    spans = []
    for m in _FORMULA_OPEN.finditer(prep):
        depth, end = 0, len(prep)
        for i in range(m.start(), len(prep)):
            depth += 1 if prep[i] in "(（" else -1 if prep[i] in ")）" else 0
            if depth == 0:
                end = i + 1
                break
        spans.append((m.start(), end))
    return spans


def _quoted_spans(prep: str) -> list[tuple[int, int]]:
    """Spans of the lines that quote a report ("· 券商《标题》：…[n]") after the answer's own claim:
    empty when the answer starts with a quote (then the quote is its claim)."""
    spans = [m.span() for m in _QUOTE_LINE.finditer(prep)]
    return spans if spans and spans[0][0] > 0 else []


def _inside(f: Figure, spans) -> bool:
    return any(a <= f.start < b for a, b in spans)


def answer_verdict(item: GoldItem, text: str, refused: bool | None = None) -> Verdict:
    """Whether a person would sign `text` as the answer to `item`, and why.

    - An unanswerable item is answered right by a refusal; an answerable one never is.
    - Open questions (key points only): right when at least half the key points are covered.
    - Accepted figures are compared as quantities (figures.same), accepted texts as normalised
      substrings. When the accepted figures have several distinct values (two sides of a
      comparison, two things asked), every value must be stated; otherwise any accepted string is
      enough.
    - Competing value. The answer is wrong when it states a different value for the asked
      quantity, even if the right value is in it too. Precisely: a figure F of the answer competes
      with a gold figure G (an accepted figure, or a figure of the gold answer) when
        1. F and G are comparable (both dates, or numbers of one dimension: money in one currency,
           %, 倍, bytes, ...; figures.comparable),
        2. F states no figure of the gold (neither an accepted one nor one of the gold answer), and
        3. F's label (label_words: the words of its sentence before it, other figures and linking
           words left out) has no word that is absent from the question, the gold answer and the
           gold quotes (synonyms count as the same word): nothing in the answer says F is about
           something else. "营收131亿美元,同比增长44%" for a gold "131亿美元,同比增长47%" competes
           (44% is labelled 营收/同比/增长, all asked); "运营利润79亿美元,同比增长44%" in the same
           answer does not (运营利润 is not asked). Figures inside a shown formula (（计算得出：275 +
           246.12 + 29 = 550.12）) are a computation's inputs, not answers: they never compete nor swap.
    - Relation: when the gold answer takes a side on an axis (一致/不一致, 高于/低于, 增长/下降),
      an answer that takes only the other side is wrong; a yes/no question answered with the
      opposite yes/no is wrong.
    """
    if refused is None:
        refused = is_refusal(text)
    if not item.answerable:
        if refused or says_not_given(text):
            return Verdict(True, "says the reports do not give it, as expected")
        return Verdict(False, "answered a question the reports do not answer (expected a refusal)")
    if refused:
        return Verdict(False, "refused an answerable question")
    if not item.accept:
        if not item.key_points:
            return Verdict(None, "no accept strings or key points to judge by")
        covered = key_point_verdicts(item, text)
        share = sum(v.correct for v in covered) / len(covered)
        return Verdict(share >= ANSWER_MIN_KP_SHARE, f"covers {sum(v.correct for v in covered)}/{len(covered)} key points")
    norm, prep = normalize(text), prepare(text)
    figs = figures(text)
    groups, texts = _accept_figures(item)
    matched: list[tuple[Figure, Figure]] = []  # (accepted, stated)
    missing: list[Figure] = []
    every_gold = [g for group in groups for g in group] + list(figures(item.answer))
    for group in groups:
        hit = next(((g, f) for f in figs for g in group if states(f, g, every_gold)), None)
        if hit:
            matched.append(hit)
        else:
            missing.append(group[0])
    text_hit = next((t for t in texts if t and t in norm), None)
    if groups and missing and not (text_hit and not matched):
        said = [f.text for f in figs if any(comparable(f, g) for g in missing)]
        why = f"missing {'、'.join(g.text for g in missing)}"
        return Verdict(False, why + (f"; states {'、'.join(said[:4])}" if said else ""))
    if not groups and not text_hit:
        return Verdict(False, f"none of the accepted answers ({'、'.join(item.accept)}) is in it")
    for _, f in matched:
        if _DENIAL.search(prep[max(0, f.start - 4):f.start]):
            return Verdict(False, f"denies {f.text}")
    why = _other_code(item, prep)
    if why:
        return Verdict(False, why)
    gold_prep = prepare(item.answer)
    answer_figs = figures(item.answer)
    asks_date = any(g.kind == "date" for group in groups for g in group) or bool(_ASKS_DATE.search(item.question))
    accepted = [g for group in groups for g in group]
    gold_figs = accepted + list(answer_figs)
    shown = _formula_spans(prep)  # a computation's inputs, shown with their formula
    why = _competing(item, prep, [f for f in figs if not _inside(f, shown)], gold_figs, asks_date, accepted)
    if why:
        return Verdict(False, why)
    quoted = _quoted_spans(prep)  # the reports' own lines under the answer's claim: their wording, not a claim
    why = _swapped(prep, [f for f in figs if not _inside(f, shown) and not _inside(f, quoted)], gold_prep, answer_figs)
    if why:
        return Verdict(False, why)
    why = _too_few(item, figs, gold_prep, answer_figs, asks_date)
    if why:
        return Verdict(False, why)
    gold_rel, ans_rel = _gold_relation(item), _relation(norm)
    for axis, sign in gold_rel.items():
        if sign and ans_rel.get(axis) == -sign:
            return Verdict(False, f"states the opposite relation ({axis}: gold {item.answer[:30]})")
    why = _unanswered_agreement(item, prep, matched, gold_rel)
    if why:
        return Verdict(False, why)
    if _YESNO_Q.search(item.question.strip()):
        g, a = normalize(item.answer), re.sub(r"^[「『“\"']+", "", norm)
        gs = 1 if _YES.match(g) else -1 if _NO.match(g) else 0
        as_ = 1 if _YES.match(a) else -1 if _NO.match(a) else 0
        if gs and as_ == -gs:
            return Verdict(False, "answers the yes/no question the other way")
    if matched:
        return Verdict(True, "states " + "、".join(f"{f.text} (= {g.text})" for g, f in matched))
    return Verdict(True, f"contains {text_hit}")


def _gold_relation(item: GoldItem) -> dict[str, int]:
    """The sides the gold takes (see _relation): its answer's, and its accepted texts' where the answer
    names none on an axis ("对得上：73 + 58 = 131" with accept "一致")."""
    out = _relation(normalize(item.answer))
    for axis, sign in _relation(normalize(" ".join(a for a in item.accept if not figures(a)))).items():
        out.setdefault(axis, sign)
    return out


def _unanswered_agreement(item: GoldItem, prep: str, matched, gold_rel: dict[str, int]) -> str:
    """The reason when the question asks whether two things agree (一致吗, 对得上吗) and the answer never
    says whether they do, else "" (a quoted report's own 相同 says nothing about the asked pair).
    Where the gold says they agree, the answer may show it instead: the
    accepted value stated on two lines ("· 华西：…约23万块…" and "· 民生：…约23万块…"); one source quoted
    alone leaves the asked comparison undone."""
    asked = "same" in _relation(normalize(item.question)) and _ASKS_YESNO.search(item.question)
    if not gold_rel.get("same") or not asked:
        return ""
    own = _QUOTE_LINE.sub("", prep)  # a report's "相同" is about its own figures, not about the asked pair
    if "same" in _relation(normalize(own)):
        return ""
    if gold_rel["same"] > 0:
        if _SAME_SOFT.search(normalize(own)):
            return ""
        figs = figures(prep)
        for g, _ in matched:
            lines = {prep.count("\n", 0, f.start) for f in figs if same(f, g)}
            if len(lines) >= 2:
                return ""
    return f"does not say whether they agree (gold {item.answer[:20]})"


_ALTERNATIVE = re.compile(r"也有口径|口径为|另据|另有数据|另一说|一说为|也有说法|或为|也有报道|other sources?|alternatively")
_DENIAL = re.compile(r"(?:并非|不是|而非|并不是|并没有|not|isn't|wasn't)$")
_ASKS_DATE = re.compile(r"什么时候|何时|哪天|哪一天|哪年|哪一年|几月|哪个月|日期|时间")


def _allowed_text(item: GoldItem) -> str:
    return normalize(item.question + " " + item.answer + " " + " ".join(item.accept))


def _other_code(item: GoldItem, prep: str) -> str:
    """The reason when the answer gives a 执业证书 number other than the gold's for the asked person
    (its label has no word the question and gold do not have), else ""."""
    gold = set(_CODE.findall(normalize(item.answer + " " + " ".join(item.accept))))
    if not gold:
        return ""
    allowed = _allowed_text(item)
    for m in _CODE.finditer(prep):
        if m.group(0) in gold:
            continue
        start = _sentence_start(prep, m.start())
        words = _words(_CODE.sub(" ", prep[start:m.start()]))
        if all(_present(w, allowed) for w in words):
            return f"states {m.group(0).upper()}, not {'/'.join(sorted(gold)).upper()}"
    return ""


def _in_table_row(prep: str, f: Figure) -> bool:
    """True for a figure in a cell of a table row ("| 26.4 | 6.6 |"): its column says what it is for."""
    line_start = _sentence_start(prep, f.start)
    return "|" in prep[line_start:f.start][-6:] or prep[f.end:f.end + 3].lstrip().startswith("|")


def _competing(item: GoldItem, prep: str, figs, gold_figs, asks_date: bool, accepted=()) -> str:
    """The reason when the answer states a competing value (see answer_verdict), else ""."""
    allowed = _allowed_text(item)
    for src in item.sources:
        q = prepare(src.quote)
        for f in figures(src.quote):
            if any(same(f, g) for g in gold_figs):
                allowed += " " + normalize(q[_sentence_start(q, f.start):f.start])
    asked = figures(item.question)
    for f in figs:
        if any(same(f, g) for g in gold_figs) or _in_table_row(prep, f):
            continue
        if any(same(f, a) and f.text == a.text for a in asked):
            continue  # the question's own figure (市净率80%~100%一层的…) names what is asked, it is no rival answer
        if f.kind == "date" and (not asks_date or f.date[1] is None and f.date[3] is None):
            continue  # a year or a date beside the point names a period, it answers nothing
        if f.kind == "date" and f.date[2] is None and any(
                a.kind == "date" and a.date[0] in (f.date[0], None) and a.date[1] == f.date[1] for a in accepted):
            continue  # 2021年4月 beside the accepted 2021年4月13日: the same date, less precisely, not another one
        rivals = [g for g in gold_figs if comparable(f, g) and (g.kind != "date" or asks_date)
                  and (not g.bare or any(g is a for a in accepted))]
        if not rivals:
            continue
        words = label_words(prep, f, figs)
        if _ALTERNATIVE.search(prep[_sentence_start(prep, f.start):f.start][-12:]):
            return f"offers {f.text} as another value (gold {rivals[0].text})"
        if all(_present(w, allowed) for w in words):
            return (f"states {f.text} for the asked quantity (gold {rivals[0].text})"
                    + (f" [label: {'/'.join(words)}]" if words else ""))
    return ""


def _year_like(f: Figure) -> bool:
    """A date, or a bare year read as a number (2024财年)."""
    return f.kind == "date" or bool(f.bare and re.fullmatch(r"(?:19|20)\d{2}", f.text))


def _near_words(prep: str, fig: Figure, figs) -> set[str]:
    """The words between the figure before `fig` (or its sentence start) and `fig`; a date before it is part of
    its label (东吴：2024财年AI收入122亿美元), not a figure ending it."""
    start = max([_sentence_start(prep, fig.start)] + [f.end for f in figs if f.end <= fig.start and not _year_like(f)])
    return {w for w in tokenize(prep[start:fig.start]) if w not in _LINKS and not re.fullmatch(r"[\d.]+", w) and not _TIME_WORD.fullmatch(w)}


_TIME_WORD = re.compile(r"[年月日]|年度|季度")  # a bare period word names no figure's subject


_CLAUSE_END = re.compile(r"[,，、;；。!?！？:：\n(（|]")


def _after_words(prep: str, fig: Figure, figs) -> set[str]:
    """The words from `fig` to the next figure or the end of its clause: what a figure written first
    is for ("64路专家并行" -> {专家, 并行}; "900亿元用于算力采购" -> {用于, 算力, 采购})."""
    m = _CLAUSE_END.search(prep, fig.end)
    end = min([m.start() if m else len(prep)] + [f.start for f in figs if f.start >= fig.end])
    return {w for w in tokenize(prep[fig.end:end]) if w not in _LINKS
            and not re.fullmatch(r"[\d.]+|[a-z]{1,2}|vs|[^\w]+", w)}  # a unit's rest ("/s") or "vs" names nothing


_SUM_WORDS = re.compile(r"合计|总计|共计|加总|之和|加起来|总和")


def _swapped(prep: str, figs, gold_prep: str, gold_figs) -> str:
    """The reason when a right figure is stated for another subject of the gold (two values swapped),
    else "". Each gold figure outside parentheses is labelled twice: by the words just before it and by
    the words after it in its clause (a value the gold states twice has all its labels). A stated
    figure is swapped when, on one side, its words hold a word only the label of another comparable
    gold figure has, and none that only its own label has.
    "TPUv6e为640GB/s，Trainium2为3584GB/s" for a gold "TPUv6e为3584GB/s，Trainium2为640GB/s";
    "16路专家并行、64路流水线并行" for a gold "64路专家并行，16路流水线并行". A figure the gold gives no
    label on a side says nothing on that side (its subject is the question's)."""
    main = [g for g in gold_figs if _outside_parentheses(gold_prep, g) and g.kind == "number"]  # dates name periods
    for side in (_near_words, _after_words):
        gold_labels = [(g, side(gold_prep, g, gold_figs)) for g in main]
        for f in figs:
            own = [(g, lab) for g, lab in gold_labels if same(f, g)]
            lab = set().union(*[lab for _, lab in own]) if own else set()  # every label the gold gives this value
            if not lab:
                continue
            g = own[0][0]
            others = set().union(*[lab2 for g2, lab2 in gold_labels
                                   if _loosely_comparable(g, g2) and not same(f, g2)] or [set()])
            near = side(prep, f, figs)
            wrong = sorted(near & (others - lab))
            summed = _SUM_WORDS.search(prep[_sentence_start(prep, f.start):f.start][-8:])  # A、B合计X: X's parts, not X as A's
            if wrong and not near & (lab - others) and not summed:
                return f"states {f.text} for {'/'.join(wrong)}; the gold gives it for {'/'.join(sorted(lab))}"
    return ""


def _outside_parentheses(prep: str, f: Figure) -> bool:
    depth = 0
    for c in prep[:f.start]:
        depth += c in "([【" and 1 or (-1 if c in ")]】" and depth else 0)
    return depth == 0


def _too_few(item: GoldItem, figs, gold_prep: str, gold_figs, asks_date: bool) -> str:
    """The reason when the question asks several things (two interrogatives, 分别, 各) and the answer
    states fewer of the gold answer's figures (those outside parentheses, not given in the question)
    than it asks for; else ""."""
    asks = len(_ASKS.findall(item.question))
    if asks < 2:
        return ""
    given = figures(item.question)
    wanted: list[Figure] = []
    for g in gold_figs:
        if not _outside_parentheses(gold_prep, g) or any(same(q, g) or same(g, q) for q in given):
            continue
        if g.kind == "date" and not asks_date:
            continue
        if not any(same(g, w) for w in wanted):
            wanted.append(g)
    need = min(asks, len(wanted))
    stated = [g for g in wanted if any(same(f, g) for f in figs)]
    if len(stated) < need:
        return (f"the question asks {asks} things; states {len(stated)} of "
                f"{'、'.join(g.text for g in wanted)}")
    return ""


# hedges and fillers of a key point: not what it says
_KP_WEAK = frozenset("有望 迎来 持续 逐渐 进一步 可能 更 较 相关 方面 等 带来 实现 具有 具备 能够 可以 可 将 会 主要 "
                     "整体 较为 相对 显著 明显 大幅 不断 正 一定".split())


def _kp_words(kp: str) -> list[tuple[str, int, int]]:
    """(word, start, end) of the key point's content words in its normalised text; figures, hedges
    and fillers left out."""
    n = normalize(kp)
    fig_text = "".join(normalize(f.text) for f in figures(kp))
    out = []
    for w in tokenize(kp):
        w = normalize(w)
        i = n.find(w)
        if i < 0 or w in _KP_WEAK or re.fullmatch(r"[\d.%]+", w) or (w in fig_text and re.search(r"\d", w)):
            continue
        out.append((w, i, i + len(w)))
    return out


def kp_word_share(kp: str, answer_norm: str, context: str = "") -> float:
    """Share (0..1) of the key point's content characters that lie in words (or their synonyms)
    found, not negated, in the normalised answer; 1.0 for a key point without content words.

    Words found in the normalised `context` (the question and the item's other key points) say
    nothing about this key point and are left out ("不及预期" in a list of risks, "部署" when the
    question asks about deployment), unless that would leave none. A parenthesis is detail: the
    share is the better of all words and the words outside parentheses."""
    words = _kp_words(kp)
    if context:
        words = [w for w in words if not _present(w[0], context)] or words
    if not words:
        return 1.0
    n = normalize(kp)
    depth, inside = 0, set()
    for i, c in enumerate(n):
        depth += 1 if c in "([【" else -1 if c in ")]】" and depth else 0
        if depth:
            inside.add(i)
    found = {(w, a, b): _affirmed(w, answer_norm) for w, a, b in words}

    def share(selected) -> float:
        allc, got = set(), set()
        for w, a, b in selected:
            allc.update(range(a, b))
            if found[(w, a, b)]:
                got.update(range(a, b))
        return len(got) / len(allc) if allc else 0.0

    outside = [x for x in words if x[1] not in inside]
    return max(share(words), share(outside) if outside else 0.0)


_NEG_BEFORE = re.compile(r"(?:不|未|没有|无|非)$")
_NEG_AFTER = re.compile(r"^性?(?:不如|较差|更差|变差|更弱)(?!预期)")


def _affirmed(word: str, haystack: str) -> bool:
    """True when `word` or a synonym is in the normalised `haystack` at least once not negated
    ("可靠性不如ups", "不可靠" do not affirm 可靠)."""
    w = normalize(word)
    for term in (w, *_synonyms().get(w, ())):
        for m in re.finditer(re.escape(term), haystack):
            if not _NEG_BEFORE.search(haystack[max(0, m.start() - 2):m.start()]) and not _NEG_AFTER.search(
                    haystack[m.end():m.end() + 6]):
                return True
    return False


def _latin(text: str) -> bool:
    """True when most letters of `text` are latin: an answer in English."""
    latin = len(re.findall(r"[A-Za-z]", text))
    return latin > 2 * len(re.findall(r"[\u3400-\u9fff]", text))


def _contradicted(kprep: str, g: Figure, kfigs, prep: str, afigs) -> Figure | None:
    """An answer figure of another value said of the same thing as the key point's figure `g`:
    comparable, and sharing a word of what stands just before each."""
    want = _near_words(kprep, g, kfigs)
    for f in afigs:
        if _loosely_comparable(f, g) and not same(f, g) and want & _near_words(prep, f, afigs):
            return f
    return None


def key_point_verdicts(item: GoldItem, text: str, similarity=None) -> tuple[Verdict, ...]:
    """One verdict per key point, in gold order.

    Covered when
    1. every figure of the key point outside parentheses is stated in the answer as a quantity
       (figures.same); a figure inside parentheses is detail: it need not be stated, but the answer
       may not give another value for the same thing (same words just before it);
    2. no two of its figures are stated swapped (see _swapped);
    3. and at least KP_MIN_SHARE of its content characters lie in jieba words (or synonyms) the
       answer has, not negated ("可靠性不如UPS" does not say 可靠); words of the question and of
       the item's other key points are left out (see kp_word_share). An answer in English has no
       Chinese words to match: with `similarity(key point, answer)` (e5 cosine of the best answer
       clause) given, it covers a Chinese key point at a similarity of at least KP_MIN_SIM_CROSS.
    """
    norm, prep = normalize(text), prepare(text)
    afigs = figures(text)
    cross = _latin(text)
    out = []
    for kp in item.key_points:
        kprep, kfigs = prepare(kp), figures(kp)
        missing = [f.text for f in kfigs if _outside_parentheses(kprep, f) and not any(same(a, f) for a in afigs)]
        if missing:
            out.append(Verdict(False, f"missing figure {'、'.join(missing)}"))
            continue
        bad = next(((g, f) for g in kfigs if not any(same(a, g) for a in afigs)
                    for f in [_contradicted(kprep, g, kfigs, prep, afigs)] if f), None)
        if bad:
            out.append(Verdict(False, f"states {bad[1].text} where the key point has {bad[0].text}"))
            continue
        why = "" if cross and not _latin(kp) else _swapped(prep, afigs, kprep, kfigs)  # no shared words to compare
        if why:
            out.append(Verdict(False, why))
            continue
        if cross and not _latin(kp):
            if similarity is None:
                out.append(Verdict(False, "answer in English: no words to compare (enable e5 to judge)"))
            else:
                sim = similarity(kp, text)
                out.append(Verdict(sim >= KP_MIN_SIM_CROSS, f"answer in English, e5 {sim:.3f}"))
            continue
        context = normalize(" ".join([item.question, *(k for k in item.key_points if k != kp)]))
        share = kp_word_share(kp, norm, context)
        out.append(Verdict(share >= KP_MIN_SHARE, f"words {share:.2f}"))
    return tuple(out)


class E5Similarity:
    """max cosine between a key point and the answer's sentences, with the project's e5 embedder."""

    def __init__(self, embedder):
        self.embedder = embedder
        self._cache: dict[str, object] = {}

    def _vecs(self, texts: list[str]):
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for t, v in zip(missing, self.embedder.embed_passages(missing, show_progress=False)):
                self._cache[t] = v
        return [self._cache[t] for t in texts]

    def __call__(self, kp: str, answer: str) -> float:
        """The highest cosine between the key point and a sentence (or clause) of the answer."""
        import numpy as np

        parts = [p.strip() for p in re.split(r"[。；;！？!?\n]|(?<=[a-z])\. |,(?= )|，", answer) if len(p.strip()) > 1]
        kv, *sv = self._vecs([kp, *(parts or [answer])])
        return float(max(np.dot(kv, v) for v in sv))


JUDGE_PROMPT = """你是严格的研报问答评测员。根据问题、标准答案和要点，判断待评回答。
规则：数字按数值比较（131亿美元 = 13.1 billion dollars；2024年12月3日 = 2024-12-03）；回答给出与标准答案不同的数值即为错误，即使其中也包含正确数值；
不可回答的问题（标准答案为“报告中未提及”）只有拒答才算正确；要点按意思判断，措辞不同也算覆盖。
只输出一个 JSON 对象：{"correct": true/false, "key_points_covered": [每个要点一个 true/false，按顺序], "reason": "一句话理由"}"""


class LLMJudge:
    """A model behind the OpenAI-compatible settings judging answers and key points."""

    def __init__(self, llm):
        self.llm = llm

    @classmethod
    def from_settings(cls, settings) -> "LLMJudge":
        from yanbao.qa.llm import LLM

        return cls(LLM.from_settings(settings))

    def judge(self, item: GoldItem, text: str) -> dict:
        """{"correct", "key_points_covered", "reason"} from the model; LLMError when the endpoint fails,
        and all None with the reason when its reply is not the JSON asked for."""
        user = (f"问题：{item.question}\n标准答案：{item.answer or '报告中未提及'}\n"
                f"可接受答案：{'；'.join(item.accept) or '（无）'}\n"
                + "".join(f"要点{i}：{k}\n" for i, k in enumerate(item.key_points, 1))
                + f"待评回答：{text}")
        reply = self.llm.complete([("system", JUDGE_PROMPT), ("user", user)])
        return parse_judgment(reply, len(item.key_points))


def parse_judgment(reply: str, n_key_points: int) -> dict:
    """The judge's JSON reply as {"correct", "key_points_covered", "reason"}; Nones with a reason when
    the reply holds no such object (a list of the wrong length is dropped)."""
    m = re.search(r"\{.*\}", reply, re.S)
    try:
        d = json.loads(m.group(0)) if m else None
    except json.JSONDecodeError:
        d = None
    if not isinstance(d, dict):
        return {"correct": None, "key_points_covered": None, "reason": f"unreadable judge reply: {reply[:80]!r}"}
    kps = d.get("key_points_covered")
    if not (isinstance(kps, list) and len(kps) == n_key_points and all(isinstance(x, bool) for x in kps)):
        kps = None
    correct = d.get("correct") if isinstance(d.get("correct"), bool) else None
    return {"correct": correct, "key_points_covered": kps if n_key_points else [], "reason": str(d.get("reason", ""))[:300]}
