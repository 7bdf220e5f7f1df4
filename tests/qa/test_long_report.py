"""A long report about one company (a 120-page prospectus, built here as a real PDF): every page header
and the cover repeat the company's name, the definitions pages name it again and again, and comparable
companies' figures sit beside its own. The subject selects the document; the metric and the period
must decide inside it (issue #16, long documents)."""

from __future__ import annotations

import re

import pytest

ISSUER = "华芯微电子股份有限公司"
HEADER = f"{ISSUER} 首次公开发行股票并在科创板上市招股说明书"
PEERS = ("中科芯微", "芯原微电", "晶华半导体")


def _filler(n: int) -> list[str]:
    """A page of the business chapters: the issuer's other periods and metrics, and its peers' figures."""
    peer = PEERS[n % 3]
    return [
        f"第{n}节 业务与技术（续）",
        f"公司第{n}代产品的晶圆采购量为{1200 + 37 * n}片，",
        f"较上一代增加{3 + n % 9}.{n % 10}%。",
        f"{peer}同类产品的出货量为{800 + 41 * n}万颗。",
        f"报告期内公司研发人员为{300 + n}人，占员工总数的{30 + n % 20}%。",
        f"2021年公司研发投入为{4000 + 13 * n}.{n % 10}0万元。",
        "公司产品主要应用于数据中心、工业控制和汽车电子领域。",
        "公司与主要客户保持长期稳定的合作关系。",
    ]


def _pages() -> list[list[str]]:
    cover = ["华芯微电子股份有限公司", "Huaxin Microelectronics Co., Ltd.", "首次公开发行股票并在科创板上市",
             "招股说明书", "公司名称：华芯微电子股份有限公司", "注册资本：36,000.00万元",
             "保荐人（主承销商）：示例证券股份有限公司", "发行股票类型：人民币普通股（A股）"]
    defs = ["释义", "在本招股说明书中，除非文义另有所指，下列词语具有如下含义：",
            "华芯微电子、发行人、公司、本公司 指 华芯微电子股份有限公司",
            "中科芯微 指 中科芯微电子有限公司，系同行业可比公司",
            "芯原微电 指 芯原微电股份有限公司，系同行业可比公司",
            "报告期 指 2021年度、2022年度和2023年度",
            "保荐人 指 示例证券股份有限公司"]
    pages = [cover, defs, defs[:1] + ["华芯微电子 指 华芯微电子股份有限公司及其子公司"] + defs[3:]]
    pages += [_filler(n) for n in range(4, 60)]
    pages.append(["第八节 财务会计信息与管理层分析", "一、经营成果分析",
                  "2023年，公司实现营业收入98,765.43万元，",
                  "较2022年的76,543.21万元增长29.03%。",
                  "2021年，公司实现营业收入54,321.09万元。",
                  "同行业可比公司中，中科芯微2023年营业收入为123,456.78万元。"])
    pages += [_filler(n) for n in range(61, 90)]
    pages.append(["二、盈利能力分析",
                  "2022年，公司归属于母公司股东的净利润为8,765.40万元，",
                  "2023年为12,345.60万元。",
                  "同行业可比公司芯原微电2022年归属于母公司股东的净利润为15,678.90万元。"])
    pages += [_filler(n) for n in range(91, 110)]
    pages.append(["三、资产质量分析",
                  "截至2023年12月31日，公司机器设备成新率为62.35%，",
                  "主要生产设备运行状况良好。",
                  "同行业可比公司机器设备成新率：中科芯微58.10%、芯原微电72.40%。"])
    pages += [_filler(n) for n in range(111, 121)]
    return pages


@pytest.fixture(scope="module")
def prospectus_chain(tmp_path_factory, embedder, test_settings):
    import pymupdf

    from yanbao.library import update
    from yanbao.qa.chain import QAChain

    folder = tmp_path_factory.mktemp("prospectus")
    doc = pymupdf.open()
    for i, lines in enumerate(_pages(), start=1):
        page = doc.new_page()
        page.insert_text((60, 40), HEADER, fontname="china-s", fontsize=8)
        page.insert_text((60, 80), "\n".join(lines), fontname="china-s", fontsize=10)
        page.insert_text((280, 810), f"1-1-{i}", fontname="helv", fontsize=8)
    doc.save(folder / "华芯微电子招股说明书.pdf")
    doc.close()
    index = tmp_path_factory.mktemp("prospectus-index")
    result = update(index, [folder], test_settings, embedder)
    assert len(result.added) == 1 and not result.skipped
    return QAChain.open(test_settings.with_(index_dir=index), embedder)


def figures_in(text: str) -> set[str]:
    return set(re.findall(r"\d[\d,]*\.\d+", text))


@pytest.mark.parametrize("question, right, page, wrong", [
    ("华芯微电子2023年营业收入是多少？", "98,765.43", 60, {"54,321.09", "123,456.78"}),
    ("华芯微电子2022年归属于母公司股东的净利润是多少？", "8,765.40", 90, {"15,678.90"}),
    ("华芯微电子的机器设备成新率是多少？", "62.35", 110, {"58.10", "72.40"}),
])
def test_the_metric_and_period_decide_inside_a_long_report_about_one_company(prospectus_chain, question, right, page, wrong):
    answer = prospectus_chain.ask(question)
    assert not answer.refused, answer.text
    stated = figures_in(answer.text.split("（计算得出")[0])
    # (the sentence stating it may give the year before too: 较2022年的76,543.21万元增长29.03%)
    assert right in stated and not (stated & wrong), answer.text  # not another period's sentence, not a peer's
    assert any(c.chunk.page == page and right in c.chunk.text for c in answer.citations), [c.chunk.page for c in answer.citations]
    # the cover and the definitions pages name the company most often, and answer nothing asked
    assert answer.hits[0].chunk.page not in (1, 2, 3)


def test_a_period_the_long_report_does_not_give_is_refused_not_answered_with_another(prospectus_chain):
    answer = prospectus_chain.ask("华芯微电子2024年营业收入是多少？")
    assert answer.refused and answer.coverage in ("partial", "none"), answer.text
    assert "报告未给出" in answer.text or "报告中未提及" in answer.text
