"""Chinese securities firms that publish research, by the short name reports print, and the
common Chinese surnames that tell a person's name from a label on a report's cover."""

from __future__ import annotations

import re

# canonical short name -> other names printed for the same firm (longest first where it matters)
BROKERS: dict[str, tuple[str, ...]] = {
    "中金公司": ("中国国际金融",),
    "中信证券": (),
    "中信建投证券": ("中信建投",),
    "国泰君安证券": ("国泰君安",),
    "国泰海通证券": ("国泰海通",),
    "海通证券": (),
    "华泰证券": (),
    "广发证券": (),
    "招商证券": (),
    "申万宏源证券": ("申万宏源研究", "申万宏源", "申银万国"),
    "银河证券": ("中国银河证券", "中国银河"),
    "国信证券": (),
    "安信证券": (),
    "国投证券": (),
    "兴业证券": (),
    "光大证券": (),
    "东方证券": (),
    "长江证券": (),
    "天风证券": (),
    "中泰证券": (),
    "方正证券": (),
    "民生证券": (),
    "国金证券": (),
    "东吴证券": (),
    "华西证券": (),
    "西南证券": (),
    "中原证券": (),
    "华创证券": (),
    "开源证券": (),
    "国盛证券": (),
    "浙商证券": (),
    "东北证券": (),
    "东兴证券": (),
    "财通证券": (),
    "信达证券": (),
    "华安证券": (),
    "华鑫证券": (),
    "中银证券": ("中银国际证券", "中银国际"),
    "平安证券": (),
    "国元证券": (),
    "国海证券": (),
    "国联证券": (),
    "国联民生证券": (),
    "华福证券": (),
    "长城证券": (),
    "太平洋证券": (),
    "德邦证券": (),
    "万联证券": (),
    "首创证券": (),
    "山西证券": (),
    "华金证券": (),
    "华龙证券": (),
    "华源证券": (),
    "湘财证券": (),
    "东莞证券": (),
    "南京证券": (),
    "财信证券": (),
    "川财证券": (),
    "中航证券": (),
    "中邮证券": (),
    "渤海证券": (),
    "上海证券": (),
    "爱建证券": (),
    "世纪证券": (),
    "大同证券": (),
    "江海证券": (),
    "五矿证券": (),
    "华宝证券": (),
    "粤开证券": (),
    "甬兴证券": (),
    "国都证券": (),
    "诚通证券": (),
    "金元证券": (),
    "东海证券": (),
    "第一上海证券": (),
    "英大证券": (),
    "中山证券": (),
    "红塔证券": (),
    "北京证券": (),
    "宏信证券": (),
    "华林证券": (),
    "联储证券": (),
    "西部证券": (),
    "长城国瑞证券": (),
    "天相投资": (),
    "东方财富证券": (),
    "招银国际": (),
    "海通国际": (),
    "瑞银证券": (),
    "高盛高华证券": ("高盛高华",),
    "摩根士丹利华鑫证券": (),
}

# E-mail domains of brokers' research departments, for reports whose institute name is absent.
BROKER_DOMAINS = {
    "gjzq.com.cn": "国金证券",
    "dwzq.com.cn": "东吴证券",
    "mszq.com": "民生证券",
    "hx168.com.cn": "华西证券",
    "htsec.com": "海通证券",
    "citics.com": "中信证券",
    "csc.com.cn": "中信建投证券",
    "gtjas.com": "国泰君安证券",
    "cmschina.com.cn": "招商证券",
    "gf.com.cn": "广发证券",
    "xyzq.com.cn": "兴业证券",
    "tfzq.com": "天风证券",
    "cicc.com.cn": "中金公司",
    "swsresearch.com": "申万宏源证券",
    "essence.com.cn": "安信证券",
    "cczq.com": "长城证券",
    "hfzq.com.cn": "华福证券",
    "zts.com.cn": "中泰证券",
    "gszq.com": "国盛证券",
    "kysec.cn": "开源证券",
    "htsc.com": "华泰证券",
    "swsc.com.cn": "西南证券",
    "ccnew.com": "中原证券",
    "guosen.com.cn": "国信证券",
    "ebscn.com": "光大证券",
    "orientsec.com.cn": "东方证券",
    "cjsc.com": "长江证券",
    "foundersc.com": "方正证券",
    "chinastock.com.cn": "银河证券",
    "hcyjs.com": "华创证券",
    "stocke.com.cn": "浙商证券",
}

_NAMES = sorted(((alias, canon) for canon, aliases in BROKERS.items() for alias in (canon, *aliases)),
                key=lambda p: -len(p[0]))
BROKER_NAME = re.compile("|".join(re.escape(a) for a, _ in _NAMES))
_CANON = dict(_NAMES)


def canonical(name: str) -> str:
    """The canonical short name of a broker name as printed ('中国国际金融' -> '中金公司')."""
    return _CANON.get(name, name)


# brokers are named as 国金 / 国金证券 / 国金的; these tails make the short form
_BROKER_TAIL = re.compile(r"(证券|证券股份有限公司|证券有限责任公司|股份有限公司|有限公司|研究所|研究院)$")


def broker_short(broker: str) -> str:
    """国金证券 -> 国金; a name without a known tail is returned unchanged."""
    return _BROKER_TAIL.sub("", broker.strip()) or broker.strip()


# Industry names printed after a company on covers ('华东医药(000963)/化学制药'): SW (申万)
# level-1 and common level-2 names, longest first when matched.
INDUSTRIES = sorted(set(
    "农林牧渔 基础化工 化工 钢铁 有色金属 电子 汽车 家用电器 食品饮料 纺织服饰 轻工制造 医药生物 医药 公用事业 "
    "交通运输 房地产 商贸零售 社会服务 综合 建筑材料 建筑装饰 电力设备 机械设备 国防军工 计算机 传媒 通信 银行 "
    "非银金融 煤炭 石油石化 环保 美容护理 化学制药 中药 生物制品 医疗器械 医疗服务 医药商业 半导体 消费电子 "
    "光学光电子 元件 软件开发 IT服务 通信设备 白酒 饮料乳品 食品加工 乘用车 汽车零部件 光伏设备 电池 电网设备 "
    "风电设备 证券 保险 多元金融 房地产开发 物业管理 航空机场 物流 游戏 广告营销 影视院线 化学原料 化学制品 "
    "塑料 农化制品 工业金属 贵金属 能源金属 小金属 专用设备 通用设备 自动化设备 工程机械 军工电子 航空装备".split()
), key=lambda s: -len(s))
INDUSTRY = "(?:" + "|".join(INDUSTRIES) + ")"

# Common Chinese surnames (single and compound): a 2-4 character name on a cover starts with one.
_COMPOUND = "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 南宫 西门 独孤 万俟 申屠".split()
_SINGLE = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单"
    "季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚"
    "娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘"
    "池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠"
    "豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰"
    "赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富"
    "尧闭由"
)
SURNAME = "(?:" + "|".join(_COMPOUND) + "|[" + _SINGLE + "])"
