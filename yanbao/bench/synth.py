"""Synthetic report chunks for scale benchmarks: real sentences recombined, with names, figures, dates varied.

The five real reports give a pool of ~2,000 sentences, each tokenized once. `synth_chunks` then
draws from it at tens of thousands of chunks per second: a sentence is a template whose company
names, broker names and figures are slots refilled per use, and its BM25 tokens are its original
tokens with the slots' tokens swapped, so no chunk is ever re-tokenized.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from random import Random
from typing import Iterator

from yanbao.index.tokenize import tokenize
from yanbao.ingest.pipeline import expand, try_ingest
from yanbao.qa.text import sentence_spans
from yanbao.types import Chunk, ReportMeta, chunk_id

# Company and broker names as written in the real reports (most frequent first), replaced on use.
SOURCE_COMPANIES = tuple("""英伟达 苹果 小米集团 小米 谷歌 海光 亚马逊 阿里 中芯国际 腾讯 英特尔 华为 博通 寒武纪 微软
    字节跳动 字节 阿里巴巴 台积电 芯原股份 芯原 百度 三星 海光信息 乐鑫科技 翱捷科技 沪电股份 江海股份 恒玄科技
    华勤技术 英维克 歌尔股份 歌尔 博创科技 生益科技 水晶光电 中科曙光 特斯拉 新易盛 兆易创新 申菱环境 胜宏科技
    广合科技 景旺电子 普冉股份 中航光电 润欣科技 亿道信息 天键股份 东山精密 韦尔股份 光迅科技 万兴科技 润泽科技
    光环新网 工业富联 浪潮信息 星宸科技 瑞芯微 美光 甲骨文 中际旭创 中兴通讯 深南电路 立讯精密 全志科技
    高澜股份 生益电子""".split())
SOURCE_BROKERS = ("国金证券", "民生证券", "华西证券", "东吴证券")
BROKERS = tuple("""中信证券 华泰证券 国泰君安 海通证券 招商证券 广发证券 中金公司 申万宏源 国信证券 中信建投 兴业证券
    光大证券 东方证券 长江证券 安信证券 方正证券 天风证券 国金证券 民生证券 华西证券 东吴证券 开源证券 浙商证券
    国海证券 财通证券 西部证券 德邦证券 东北证券 华创证券 信达证券 中泰证券 国联证券""".split())
COMPANIES = tuple("""贵州茅台 五粮液 泸州老窖 山西汾酒 洋河股份 伊利股份 海天味业 牧原股份 温氏股份 双汇发展 中国平安 中国人寿
    招商银行 平安银行 兴业银行 宁波银行 工商银行 建设银行 东方财富 同花顺 恒生电子 宁德时代 比亚迪 隆基绿能
    通威股份 阳光电源 亿纬锂能 恩捷股份 天齐锂业 赣锋锂业 华友钴业 璞泰来 先导智能 汇川技术 三一重工 中联重科
    徐工机械 潍柴动力 恒立液压 美的集团 格力电器 海尔智家 老板电器 公牛集团 海康威视 大华股份 京东方 TCL科技
    立讯精密 歌尔股份 蓝思科技 舜宇光学 欧菲光 领益智造 鹏鼎控股 东山精密 深南电路 沪电股份 生益科技 胜宏科技
    景旺电子 兴森科技 中际旭创 新易盛 天孚通信 光迅科技 华工科技 剑桥科技 博创科技 太辰光 源杰科技 仕佳光子
    工业富联 浪潮信息 中科曙光 紫光股份 锐捷网络 星网锐捷 烽火通信 中兴通讯 亨通光电 中天科技 长飞光纤 永鼎股份
    海光信息 寒武纪 景嘉微 龙芯中科 兆易创新 北京君正 韦尔股份 卓胜微 圣邦股份 思瑞浦 纳芯微 澜起科技 聚辰股份
    普冉股份 恒玄科技 乐鑫科技 瑞芯微 全志科技 晶晨股份 星宸科技 富瀚微 国科微 芯原股份 翱捷科技 中芯国际
    华虹公司 长电科技 通富微电 华天科技 北方华创 中微公司 拓荆科技 华海清科 盛美上海 芯源微 沪硅产业 立昂微
    江丰电子 安集科技 雅克科技 鼎龙股份 金山办公 用友网络 科大讯飞 广联达 宝信软件 中控技术 石基信息 深信服
    奇安信 启明星辰 三六零 昆仑万维 万兴科技 汉得信息 金蝶国际 润泽科技 光环新网 奥飞数据 数据港 宝兰德
    英维克 申菱环境 高澜股份 同飞股份 飞荣达 中石科技 川环科技 科华数据 麦格米特 欧陆通 泰嘉股份 江海股份
    法拉电子 顺络电子 三环集团 风华高科 火炬电子 鸿远电子 振华科技 中航光电 航天电器 电连技术 意华股份 华丰科技
    水晶光电 联创电子 光峰科技 龙旗科技 华勤技术 闻泰科技 传音控股 小米集团 联想集团 腾讯控股 美团 快手
    京东集团 网易 哔哩哔哩 携程集团 百济神州 恒瑞医药 药明康德 迈瑞医疗 爱尔眼科 片仔癀 智飞生物 长春高新
    万华化学 宝丰能源 荣盛石化 紫金矿业 洛阳钼业 中国神华 长江电力 三峡能源 中国中免 锦江酒店 分众传媒
    芒果超媒 完美世界 三七互娱 吉比特 恺英网络 神州数码 拓维信息 软通动力 润和软件 常山北明""".split())
FIRST_DAY, LAST_DAY = date(2020, 1, 1).toordinal(), date(2026, 10, 31).toordinal()
SOURCE_YEAR = 2025  # the real reports were written in late 2024 and 2025: years move with the report date
SPAN = 10_000  # characters of synthetic offset per chunk: more than a chunk holds at chunk_chars <= 6,000

_NAME = re.compile("|".join(sorted(SOURCE_COMPANIES + SOURCE_BROKERS, key=len, reverse=True)))
# A figure standing alone: not part of FY25Q3, H20, GPT-4, 2.2.1 or 2024-11-18.
_NUM = re.compile(r"(?<![A-Za-z0-9.\-/])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![A-Za-z0-9]|\.\d|[-/]\d)(%?)")
_CJK = re.compile(r"[\u3400-\u9fff]")
_BULLET = re.compile(r"^(?:[-•·●▪*]\s*)+")
_ADDRESS = re.compile(r"[路街道]\d+号|邮编|传真|@|https?://|www\.")  # the brokers' office addresses
_END = "。！？!?；;"
COMPANY, BROKER, YEAR, MONTH, DAY, FIGURE = range(6)


@dataclass(frozen=True)
class SynthChunk:
    """One synthetic chunk: its text, its BM25 tokens, and the synthetic report it belongs to."""

    text: str
    tokens: tuple[str, ...]
    file: str
    broker: str
    date: str  # ISO 8601, yyyy-mm-dd


def sentence_pool(reports: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(sentence, tokens) for every distinct sentence of 8+ characters in the reports under `reports`.

    Boilerplate chunks, contact lines, addresses and table rows are left out, and so are sentences
    with fewer than 4 CJK characters (dates, model names): what is left reads like report prose.
    """
    seen: dict[str, None] = {}
    for path in expand([reports]):
        report, _ = try_ingest(path, 400, 80, 200 << 20)  # a bad file is logged and skipped
        if report is None:
            continue
        text = report.doc.text
        kept = [(c.start, c.end) for c in report.chunks if not c.boilerplate]
        for line in report.doc.lines:
            if line.boilerplate or line.contact or line.kind == "table":
                continue
            if not any(s <= line.start and line.end <= e for s, e in kept):
                continue
            for s, e in sentence_spans(text[line.start:line.end]):
                sentence = _BULLET.sub("", text[line.start + s:line.start + e])
                if len(sentence) >= 8 and len(_CJK.findall(sentence)) >= 4 and not _ADDRESS.search(sentence):
                    seen.setdefault(sentence, None)
    return [(s, tuple(tokenize(s))) for s in seen]


@lru_cache(maxsize=None)
def _name_tokens(name: str) -> tuple[str, ...]:
    return tuple(tokenize(name))


def _template(text: str, tokens: tuple[str, ...]) -> tuple[str, tuple[str, ...], tuple]:
    """(head, tokens outside the slots, ((kind, arg, text after), ...)): head + slot0 + after0 + ..."""
    # a number opening the sentence or followed by ) or 、 numbers a list item: it stays
    nums = [m for m in _NUM.finditer(text) if m.start() and (m.group(3) or text[m.end():m.end() + 1] not in (")", "）", "、"))]
    found = [(m.start(), m.end(), m) for m in [*_NAME.finditer(text), *nums]]
    parts, slots, gone, at = [], [], Counter(), 0
    for start, end, m in sorted(found, key=lambda f: f[0]):  # names hold no digits: never overlapping
        parts.append(text[at:start])
        at = end
        if m.re is _NAME:
            name = m.group(0)
            slots.append((BROKER, None) if name in SOURCE_BROKERS else (COMPANY, name))
            gone.update(_name_tokens(name))
            continue
        whole, frac, pct = m.groups()
        value, after = float(whole.replace(",", "") + (frac or "")), text[end:end + 2].lstrip()[:1]
        gone.update(whole.split(",") if "," in whole else [whole + (frac or "") + pct])
        integer = not frac and not pct
        if integer and len(whole) == 4 and 2000 <= value < 2040:
            slots.append((YEAR, int(value)))
        elif integer and after == "月" and 1 <= value <= 12:
            slots.append((MONTH, None))
        elif integer and after in ("日", "号") and 1 <= value <= 31:
            slots.append((DAY, None))
        else:
            spec = ("," if "," in whole else "") + f".{len(frac) - 1 if frac else 0}f"
            slots.append((FIGURE, (value, spec, pct)))
    parts.append(text[at:] + ("" if text[-1] in _END else "\n"))
    kept = []
    for t in tokens:
        if gone[t] > 0:
            gone[t] -= 1
        else:
            kept.append(t)
    return parts[0], tuple(kept), tuple((kind, arg, after) for (kind, arg), after in zip(slots, parts[1:]))


def title_company(file: str) -> str:
    """The company a synthetic report is about: fixed by its file name."""
    return COMPANIES[zlib.crc32(file.encode("utf-8")) % len(COMPANIES)]


def synth_chunks(pool: list[tuple[str, tuple[str, ...]]], n: int, seed: int = 0, chunk_chars: int = 400) -> Iterator[SynthChunk]:
    """`n` synthetic chunks of about `chunk_chars` characters, the same ones for the same seed.

    Reports of 20-60 chunks (`synth_000000.txt`, ...) each get a broker, a date in 2020-01..2026-10,
    and their own company for each company name of the pool (the most frequent one is the title
    company). Every figure is scaled by a log-uniform factor in [0.5, 2] with its decimals kept, months and days
    are redrawn, years move with the report's year. Tokens are the sentence's tokens with those of
    the replaced names and figures swapped for the new ones ("1,800" -> "1", "800", as jieba splits
    it): not what jieba would give on the new text for every figure, close enough for BM25 timing.
    Sentences longer than half a chunk are not used.
    """
    rng = Random(seed)
    rand = rng.random
    usable = [(s, toks) for s, toks in pool if len(s) <= chunk_chars // 2]
    if not usable:
        raise ValueError(f"no sentence of at most {chunk_chars // 2} characters in the pool")
    templates, lengths = [_template(s, toks) for s, toks in usable], [len(s) for s, _ in usable]
    name_tokens = {c: _name_tokens(c) for c in COMPANIES + BROKERS}
    k, left, report, nxt = len(templates), 0, -1, int(rand() * len(templates))
    for _ in range(n):
        if left == 0:
            report += 1
            left = rng.randint(20, 60)
            file = f"synth_{report:06d}.txt"
            broker = rng.choice(BROKERS)
            day = date.fromordinal(rng.randint(FIRST_DAY, LAST_DAY))
            shift = day.year - SOURCE_YEAR
            main = title_company(file)
            names = rng.sample(COMPANIES, len(SOURCE_COMPANIES))
            names = [c for c in names if c != main][:len(SOURCE_COMPANIES) - 1]
            mapping = dict(zip(SOURCE_COMPANIES, [main] + names))
        left -= 1
        texts, tokens, size = [], [], 0
        while not size or size + lengths[nxt] // 2 <= chunk_chars:
            head, fixed, slots = templates[nxt]
            size += lengths[nxt]
            nxt = int(rand() * k)
            tokens.extend(fixed)
            texts.append(head)
            for kind, arg, after in slots:
                if kind == FIGURE:
                    value, spec, pct = arg
                    new = format(value * 2.0 ** (2 * rand() - 1), spec) + pct
                    tokens.extend(new.split(",") if "," in spec else (new,))
                elif kind == COMPANY:
                    new = mapping[arg]
                    tokens.extend(name_tokens[new])
                elif kind == YEAR:
                    new = str(arg + shift)
                    tokens.append(new)
                elif kind == BROKER:
                    new = broker
                    tokens.extend(name_tokens[new])
                else:
                    new = str(1 + int(rand() * (12 if kind == MONTH else 28)))
                    tokens.append(new)
                texts.append(new)
                texts.append(after)
        yield SynthChunk("".join(texts).rstrip("\n"), tuple(tokens), file, broker, day.isoformat())


def to_chunk(s: SynthChunk, i: int) -> Chunk:
    """The retrievable Chunk for the `i`-th synthetic chunk of a stream (offsets i * SPAN onwards)."""
    meta = ReportMeta(file=s.file, title=f"{title_company(s.file)}深度报告", broker=s.broker, date=s.date)
    return Chunk(id=chunk_id(s.file, s.text, i), text=s.text, file=s.file, start=i * SPAN, end=i * SPAN + len(s.text), meta=meta)
