

def test_a_row_of_figures_with_units_is_no_header_row():
    from yanbao.ingest.chunk import _is_header_row

    assert _is_header_row("GPU型号\t架构\tCUDA核心数\t显存(HBM)\t功耗")
    assert not _is_header_row("A100\tAmpere\t6912\t432\t40GB/80GB HBM2e\t1.6/2TB/s\tNVLink 600GB/s\t400W")
    assert _is_header_row("\t2023A\t2024E\t2025E") and not _is_header_row("发布时间\t2020\t2022\t2023\t2024")
    assert _is_header_row("代码\t公司名称\t收盘价-4月7日\t收盘价-6月13日\t涨跌幅")
