"""Cover patterns as brokers print them: analysts and certificates, ratings with qualifiers,
broker short names, cover dates; on text with line breaks and without."""

from __future__ import annotations

import pytest

from yanbao.ingest.clean import clean
from yanbao.ingest.load import RawDoc
from yanbao.ingest.metadata import extract

BODY = "公司发布2024年年报，营业收入同比增长。" * 30


def meta_of(head: str, flat: bool = False, file: str = "report.txt"):
    text = head.replace("\n", "") + BODY if flat else head + "\n" + BODY.replace("。", "。\n")
    return extract(clean(RawDoc(file, (text,), False, "")))


@pytest.mark.parametrize("flat", [False, True])
@pytest.mark.parametrize("head, people", [
    ("证券分析师 张明远\n执业证书编号：S0600518010001\n研究助理 李青", [("张明远", "S0600518010001", "分析师")]),
    ("分析师：杜向阳\n执业证号：S1250520030002\n联系人：王钰玮", [("杜向阳", "S1250520030002", "分析师")]),
    ("林晓明 执业证书编号：S0570516010001\n研究员\n王湘\n执业证书编号：S0570516100001",
     [("林晓明", "S0570516010001", "分析师"), ("王湘", "S0570516100001", "分析师")]),
    ("分析员\n刘均伟\nSAC 执证编号：S0080520120002\n分析员\n王汉锋，CFA\nSAC 执证编号：S0080513080002",
     [("刘均伟", "S0080520120002", "分析师"), ("王汉锋", "S0080513080002", "分析师")]),
    ("研究助理：高诚诚 SAC 执业编号：S0740121010001", [("高诚诚", "S0740121010001", "研究助理")]),
    ("联系人：黄晓军（执业 S1130122050092）", [("黄晓军", "S1130122050092", "联系人")]),
])
def test_analysts_with_certificates(head, people, flat):
    m = meta_of(head, flat)
    assert [(a.name, a.cert, a.role) for a in m.analysts] == people


def test_a_label_is_never_a_name():
    text = "本报告署名分析师具有中国证券业协会授予的证券投资咨询执业资格并登记为注册分析师。分析师声明：本人承诺。"
    assert meta_of("深度报告\n" + text).analysts == ()
    assert meta_of(text, flat=True).analysts == ()


@pytest.mark.parametrize("flat", [False, True])
@pytest.mark.parametrize("printed, rating", [
    ("买入（首次）", "买入(首次)"),
    ("领先大市-B（维持）", "领先大市-B(维持)"),
    ("优于大市（首次覆盖）", "优于大市(首次覆盖)"),
    ("未评级（首次）", "未评级(首次)"),
    ("投资评级：增持", "增持"),
    ("买入（维持评级）", "买入(维持评级)"),
])
def test_ratings_with_their_qualifier(printed, rating, flat):
    m = meta_of(f"中原证券\n证券研究报告\n{printed}\n2020年03月30日", flat)
    assert m.rating == rating


@pytest.mark.parametrize("printed, broker", [
    ("本报告版权属于中原证券股份有限公司", "中原证券"),
    ("本报告由安和证券股份有限公司研究所发布", "安和证券"),
    ("中国国际金融股份有限公司研究部", "中金公司"),
    ("西南证券研究院", "西南证券"),
])
def test_broker_short_name(printed, broker):
    assert meta_of(f"深度报告\n{printed}").broker == broker


def test_cover_date_not_an_event_date_in_the_body():
    assert meta_of("证券研究报告\n算力需求持续高景气，国产服务器放量在即").date is None
    assert meta_of("证券研究报告\n2020年02月23日\n算力需求持续高景气，国产服务器放量在即").date == "2020-02-23"
    assert meta_of("发布日期：2020年03月30日投资要点:上海莱士是国内血制品领域的领先企业。", flat=True).date == "2020-03-30"


def test_sample_banner_is_not_a_title():
    m = meta_of("【示例文档】本文为 yanbao 项目编写的示例研报，内容虚构，仅供演示。\n\n"
                "安和证券 | 通信行业点评报告\n启明光电2024年报点评：800G量价齐升，1.6T放量提速\n买入（维持）\n"
                "本报告由安和证券股份有限公司研究所发布。", file="示例_安和证券_光模块点评.txt")
    assert m.title == "启明光电2024年报点评:800G量价齐升,1.6T放量提速"
    assert m.broker == "安和证券" and m.rating == "买入(维持)"


def test_file_name_title_needs_the_text_to_hold_its_headline():
    text = "证券研究报告\n公司点评\n业绩符合预期，创新药和医美布局同步加速请务必阅读正文之后的重要声明部分"
    m = meta_of(text, file="华东医药（000963）：业绩符合预期，创新药和医美布局同步加速.txt")
    assert m.title == "华东医药(000963):业绩符合预期,创新药和医美布局同步加速" and m.source_of("title") == "file name"
    m = meta_of("证券研究报告\n公司点评", file="华东医药（000963）：业绩符合预期，创新药和医美布局同步加速.txt")
    assert m.title is None


def test_company_and_industry_label_glued_to_the_headline():
    flat = ("证券研究报告/公司点评2021年04月21日华东医药(000963)/化学制药业绩符合预期，创新药和医美布局同步加速"
            "请务必阅读正文之后的重要声明部分")
    m = meta_of(flat, flat=True)
    assert m.title == "华东医药(000963):业绩符合预期,创新药和医美布局同步加速" and m.date == "2021-04-21"


def test_sample_reports_in_examples():
    """What `make serve` lists first on a fresh clone: real titles, short broker names."""
    from pathlib import Path

    from yanbao.ingest.pipeline import ingest_file

    samples = sorted((Path(__file__).resolve().parents[2] / "examples" / "reports").iterdir())
    metas = {p.name: ingest_file(p).meta for p in samples}
    assert {m.broker for m in metas.values()} == {"安和证券", "明远证券", "星河证券"}
    for m in metas.values():
        assert m.title and "示例文档" not in m.title and m.date and m.analysts and m.rating
    assert metas["示例_星河证券_算力周报.txt"].title == "算力需求持续高景气,国产AI服务器放量在即"


def test_provenance_round_trips_and_old_manifests_still_load():
    from yanbao.types import Analyst, ReportMeta

    m = ReportMeta(file="a.pdf", title="T", date="2020-02-23", analysts=(Analyst("高子剑", "S0600518010001"),),
                   provenance=(("title", "cover text"), ("date", "file name")))
    d = m.to_json()
    assert d["provenance"] == {"title": "cover text", "date": "file name"}
    assert ReportMeta.from_json(d) == m
    old = {k: v for k, v in d.items() if k != "provenance"}  # a manifest written before provenance
    assert ReportMeta.from_json(old).provenance == () and ReportMeta.from_json(old).source_of("title") is None
