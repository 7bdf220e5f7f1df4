"""Figures read as quantities: scale, unit, ranges, dates, names that are no figures, and when two
figures state the same thing."""

from __future__ import annotations

import pytest

from yanbao.eval.figures import comparable, figures, same


def one(text: str):
    found = figures(text)
    assert len(found) == 1, (text, found)
    return found[0]


@pytest.mark.parametrize("a, b", [
    ("557.6万美元", "5.576M美元"),
    ("557.6万美元", "$5.576 million"),
    ("131亿美元", "131 亿美元"),
    ("131亿美元", "13.1 billion US dollars"),
    ("131亿美元", "$13.1B"),
    ("140亿美元", "roughly $14B"),
    ("2024年12月3日", "2024-12-03"),
    ("2024-12-26", "20241226"),
    ("1,040MW", "1.04GW"),
    ("一分钟", "60秒"),
    ("一万美金", "约1万美元"),
    ("9.6万台", "96,000 units"),
    ("600亿至900亿美元", "US$60-90 billion"),
    ("350-400W", "350 - 400W"),
    ("三十分之一", "1/30"),
    ("4096个", "四千零九十六个"),
    ("130亿", "参数量13B"),
    ("4万亿", "over 4 trillion tokens"),
])
def test_one_quantity_in_two_wordings(a, b):
    assert same(one(b), one(a))


@pytest.mark.parametrize("answer, gold", [
    ("13.1亿美元", "131亿美元"),  # scale
    ("1.31万亿美元", "131亿美元"),
    ("131亿元", "131亿美元"),  # currency
    ("1300亿", "130亿"),
    ("35亿美元", "34.6亿美元"),  # coarser than the gold and more than 1% off
    ("2024年12月13日", "2024年12月3日"),
    ("12月3日", "12月12日"),
    ("128k", "300k"),
    ("2分钟", "一分钟"),
    ("300-500W", "350-400W"),
])
def test_different_quantities(answer, gold):
    assert not same(one(answer), one(gold))


def test_tolerance_is_rounding_to_the_precision():
    assert same(one("130.6亿美元"), one("131亿美元"))  # rounds to the gold's 1亿
    assert same(one("约558万美元"), one("557.6万美元"))  # the gold rounds to the answer's 1万, within 1%
    assert same(one("9.0亿美元"), one("9.003亿美元"))
    assert same(one("142美元"), one("141.97美元"))  # the gold rounds to the answer's 1美元, 0.02% off
    assert not same(one("141.9美元"), one("141.97美元"))  # same precision class, 0.07 off
    assert same(one("近四倍"), one("约3.9倍"))  # marked approximate: within 5%
    assert not same(one("四倍"), one("3.9倍"))  # not marked: 2.6% is too far


def test_growth_in_percent_and_multiples():
    assert same(one("增长约42倍"), one("4230.22%"))


def test_bare_gold_numbers_compare_as_written():
    assert same(one("141GB"), one("141"))
    assert same(one("15.81亿元"), one("15.81"))
    assert not same(one("14.1GB"), one("141"))


def test_dates_partial():
    assert same(one("2024-12-12"), one("12月12日"))  # the answer may add the year
    assert same(one("12月3日"), one("2024年12月3日"))  # or leave it out of a day
    assert same(one("2019年8月21日"), one("2019年8月"))
    assert same(one("2025年下半年"), one("2025H2"))
    assert not same(one("2025年上半年"), one("2025年下半年"))
    assert not same(one("2024年"), one("2025年"))
    assert same(one("2025年"), figures("2025：端侧AI爆发元年")[0])


@pytest.mark.parametrize("text", [
    "H200", "FY24Q3", "Qwen3-235B-A22B", "R1-0528", "昇腾910B", "3A090a", "4Q24", "GPT-4o", "pass@1",
    "Claude 3.5 Sonnet", "[1]", "doubao-1.5-pro",
])
def test_names_and_periods_are_no_figures(text):
    assert figures(text) == ()


def test_figures_in_a_sentence():
    found = figures("博通在 FY24Q3 实现营业收入 131 亿美元，同比增长 47%；昇腾910B为 376T[1]。")
    assert [f.text for f in found] == ["131亿美元", "47%"]
    assert found[0].unit == "USD" and found[0].value == 131e8 and found[1].unit == "%"


def test_comparable_needs_one_dimension():
    usd, pct, cny = one("131亿美元"), one("47%"), one("800亿元")
    assert comparable(usd, one("79亿美元")) and not comparable(usd, pct) and not comparable(usd, cny)
    assert comparable(one("2024年12月3日"), one("12月12日"))
    assert not comparable(one("141"), usd) and comparable(one("141"), one("52.5"))
