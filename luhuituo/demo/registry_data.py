"""Demo data for ``manage.py seed_demo``: about 215 centres across Luzhou's seven districts and
counties (docs/rules/inclusive-childcare.md#luzhou-geography), each with its details, classes,
staff, training records, a fee schedule, filing materials and a filing in one of the states of
docs/rules/filing.md#filing-workflow.

Everything is drawn from ``random.Random(2026)``: the same ``count`` on the same day gives the
same data. Dates are back-dated from today over the last 18 months, so the data looks
lived-in (recent submissions, some past their receipt deadline, filings verified a year ago).
Centres are keyed by credit code (and name): a centre that exists already is skipped, so running
the command again creates nothing.

How the filing states are reached
---------------------------------
A representative subset, ``SERVICE_CENTRES_PER_STATE`` centres per state (about 25 of 215,
every state, in several districts), goes through the real workflow in ``registry.services``:
``upload_material`` for every material (small generated PDFs checked by
``luhuituo.core.uploads.check_upload``), then ``submit_filing``, ``return_filing``,
``accept_filing``, ``start_verification``, ``verify_filing``, ``find_nonconforming``,
``submit_rectification``, ``suspend_filing``, ``request_termination`` and
``deregister_filing``, with the district's demo regulator (``jiangyang``, ``naxi``, else the
city's ``city``) and the centre's manager as actors. Their filings' timestamps are back-dated
afterwards, and so are the audit events, change history and notifications each step wrote
(``luhuituo.demo.backdating``): the queue, the receipt and the history tell one timeline.

The rest (the bulk) is written directly with bulk inserts: centres, filings with their status,
timestamps, actors and filing numbers set as the services would set them, materials (files
saved through the ``FileField`` to MEDIA_ROOT), and back-dated audit events with the services'
verbs and details, so each filing's history reads the same. Measured on the 2-core dev
machine: the whole seed takes 8–15 s this way; driving all 215 centres through the services
takes about 40 s. To do that
anyway, raise ``SERVICE_CENTRES_PER_STATE`` and ``SERVICE_CENTRES_VERIFIED``.

Filing numbers are issued per district and year in the order of the (back-dated) filing
dates, after the district's current ``FilingNumberSequence``, and the sequences are moved on
so filings accepted later continue after the demo's numbers.
"""

from __future__ import annotations

import io
import json
import logging
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from pypdf import PdfWriter
from stdnum.cn import ric, uscc

from luhuituo.core.models import AuditEvent, Region, User
from luhuituo.core.uploads import check_upload
from luhuituo.core.workdays import CHINA_TZ, WorkingDayCalendar
from luhuituo.demo.backdating import Backdater
from registry import inclusive, services
from registry.checks import preflight
from registry.models import (
    Centre,
    CentreMembership,
    ClassGroup,
    FeeSchedule,
    Filing,
    FilingMaterial,
    FilingNumberSequence,
    MaterialKind,
    Staff,
    StaffTrainingRecord,
    required_material_kinds,
)

S = Filing.Status
SEED = 2026
# The demo reviewers' reason for accepting a filing with open pre-flight findings.
ACCEPTED_DESPITE_FINDINGS = "材料原件已现场查验；平台核查提示的问题已告知机构，限15个工作日内补正。"
DEFAULT_CENTRES = 215
HISTORY_DAYS = 545  # about 18 months
SERVICE_CENTRES_PER_STATE = 2
SERVICE_CENTRES_VERIFIED = 5

DEMO_CENTRE_NAME = "江阳区示范托育中心"
DEMO_CENTRE_REGION = "510502"

# Which demo regulator decides for a district; the city's covers the others.
DISTRICT_REGULATORS = {"510502": "jiangyang", "510503": "naxi"}
CITY_REGULATOR = "city"


# --- geography ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    """A district or county: where its centres go on the map, and how many of them."""

    code: str
    name: str
    prefix: str  # of the generated managers' usernames: jy001, …
    lat: float
    lng: float
    jitter: float  # degrees either way around (lat, lng): the district's rough box
    weight: int  # centres out of 215
    streets: tuple[str, ...]
    roads: tuple[str, ...]

    def contains(self, lat, lng) -> bool:
        return (abs(float(lat) - self.lat) <= self.jitter
                and abs(float(lng) - self.lng) <= self.jitter)


# Approximate centres of the built-up areas. 江阳区 and 龙马潭区 face each other across the
# river, so their boxes are nudged apart and kept small; the counties get ±0.05°. Weighted
# roughly by population and urban demand: 江阳区 and 泸县 most, 叙永县 and 古蔺县 fewest.
DISTRICTS: tuple[District, ...] = (
    District("510502", "江阳区", "jy", 28.86, 105.45, 0.03, 45,
             ("南城街道", "北城街道", "大山坪街道", "邻玉街道", "茜草街道", "华阳街道",
              "蓝田街道", "黄舣镇", "弥陀镇", "分水岭镇", "通滩镇", "江北镇", "方山镇"),
             ("酒城大道", "江阳南路", "江阳西路", "大山坪路", "康城路", "佳乐大道", "滨江路",
              "迎晖路", "白招牌路", "钟鼓楼路")),
    District("510503", "纳溪区", "nx", 28.77, 105.37, 0.05, 25,
             ("安富街道", "永宁街道", "东升街道", "大渡口镇", "护国镇", "天仙镇", "合面镇",
              "白节镇", "新乐镇", "丰乐镇"),
             ("云溪西路", "永宁路", "人民西路", "纳溪大道", "新乐路", "安富路")),
    District("510504", "龙马潭区", "lmt", 28.93, 105.42, 0.03, 32,
             ("小市街道", "高坝街道", "红星街道", "莲花池街道", "鱼塘街道", "罗汉街道",
              "安宁街道", "特兴街道", "胡市镇", "双加镇", "金龙镇"),
             ("春雨路", "蜀泸大道", "龙南路", "鱼塘街", "回龙湾路", "沱江路", "玉带河大道",
              "龙马大道")),
    District("510521", "泸县", "lx", 29.15, 105.38, 0.05, 43,
             ("玉蟾街道", "福集镇", "嘉明镇", "喻寺镇", "得胜镇", "牛滩镇", "兆雅镇", "玄滩镇",
              "太伏镇", "云龙镇", "石桥镇", "毗卢镇", "奇峰镇", "潮河镇", "立石镇", "百和镇",
              "海潮镇", "方洞镇"),
             ("龙城大道", "玉蟾大道", "建设路", "城西路", "九曲河路", "宋城路")),
    District("510522", "合江县", "hj", 28.81, 105.83, 0.05, 30,
             ("合江镇", "榕山镇", "白沙镇", "先市镇", "尧坝镇", "九支镇", "五通镇", "佛荫镇",
              "福宝镇", "白鹿镇", "虎头镇", "法王寺镇", "大桥镇", "实录镇"),
             ("少岷路", "荔城大道", "笔架山路", "人民路", "新江路", "合江大道")),
    District("510524", "叙永县", "xy", 28.16, 105.44, 0.05, 20,
             ("叙永镇", "马岭镇", "江门镇", "赤水镇", "水尾镇", "摩尼镇", "两河镇", "落卜镇",
              "正东镇", "后山镇", "观兴镇"),
             ("城东路", "西城路", "东城大道", "西大街", "滨河路", "永宁大道")),
    District("510525", "古蔺县", "gl", 28.04, 105.81, 0.05, 20,
             ("古蔺镇", "金兰街道", "太平镇", "二郎镇", "大村镇", "双沙镇", "龙山镇", "东新镇",
              "观文镇", "德耀镇", "石宝镇", "皇华镇"),
             ("金兰大道", "红军路", "蔺阳大道", "新城路", "河滨路")),
)
DISTRICT_BY_CODE = {d.code: d for d in DISTRICTS}


def check_districts() -> None:
    """Every district's box lies inside settings.CITY_BOUNDS (raises ValueError if not)."""
    (lat_lo, lat_hi), (lng_lo, lng_hi) = settings.CITY_BOUNDS["lat"], settings.CITY_BOUNDS["lng"]
    for d in DISTRICTS:
        if not (lat_lo <= d.lat - d.jitter and d.lat + d.jitter <= lat_hi
                and lng_lo <= d.lng - d.jitter and d.lng + d.jitter <= lng_hi):
            raise ValueError(f"{d.name}'s box is not inside CITY_BOUNDS")


# Resident ID numbers: stdnum (and so validate_id_number) accepts a region code only for birth
# years in which it existed. 纳溪区 and 龙马潭区 date from 1995, 叙永县 and 古蔺县 (as 5105xx)
# from 1985, the others from 1983; older people carry the code of the time: (from year, code).
ID_REGION_CODES = {
    "510502": ((1983, "510502"), (0, "512502")),
    "510503": ((1995, "510503"), (1983, "510523"), (0, "512524")),
    "510504": ((1995, "510504"), (1983, "510502"), (0, "512502")),
    "510521": ((1983, "510521"), (0, "512521")),
    "510522": ((1983, "510522"), (0, "512523")),
    "510524": ((1985, "510524"), (0, "512525")),
    "510525": ((1985, "510525"), (0, "512526")),
}


# --- names ----------------------------------------------------------------------------------------

SURNAMES = ("王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董曹袁邓许傅沈曾彭吕苏卢"
            "蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾"
            "侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文先税母")
FEMALE_CHARS = "芳丽娟敏静燕霞艳婷慧琳雪玲倩洁梅兰红萍颖欣悦佳怡晓雨思梦瑶雯丹蓉莉璐琴佩月春秀英"
MALE_CHARS = "伟强军勇磊洋杰涛明超斌刚平辉鹏华飞波林建国志鑫浩宇凯峰俊成东海文"

BRANDS = ("星河", "启航", "小太阳", "童心", "贝贝", "蒲公英", "彩虹", "向日葵", "禾苗", "小橡树",
          "萌芽", "亲亲宝贝", "嘉禾", "乐童", "悦成长", "小天使", "金色童年", "七色花", "春苗",
          "快乐树", "芽芽", "暖阳", "晨曦", "小蜜蜂", "蓝天", "摇篮", "育苗", "小脚印", "糖果",
          "森林", "童话", "未来星", "星星", "酒城宝贝", "沱江", "长江", "荔枝湾", "桂圆林",
          "小海豚", "布丁", "米兰", "爱心", "启蒙", "馨苑", "童趣", "乐贝", "小橙子", "金苹果",
          "萤火虫", "云朵")
COMMUNITIES = ("忠山", "凤凰", "新马", "民主", "百子", "学士山", "春雨", "回龙湾", "桂圆林",
               "丹霞", "望江", "滨江", "龙井", "桂花", "金龙", "玉带", "白塔", "东门", "西街",
               "南苑", "北湖", "新城", "五星", "和平")
NUMERALS = "一二三四五六七八九"

NAME_PATTERNS = {
    Centre.Kind.COMMUNITY: ("{d}{b}托育中心", "{d}{s}社区托育点", "{d}{b}托育园",
                            "{d}{c}社区托育服务站", "{d}{s}{b}托育园"),
    Centre.Kind.KINDERGARTEN_INTEGRATED: ("{d}实验幼儿园托育部", "{d}第{n}幼儿园托班",
                                          "{d}机关幼儿园托育中心", "{d}{s}中心幼儿园托班",
                                          "{d}{b}幼儿园托育部"),
    Centre.Kind.MEDICAL_INTEGRATED: ("{d}妇幼保健院附属托育园", "{d}人民医院医育结合托育中心",
                                     "{d}中医医院附属托育园", "{d}{s}{h}托育点",
                                     "{d}市妇幼保健院附属托育园"),
    Centre.Kind.EMPLOYER: ("{d}人民医院职工托育园", "{d}经济开发区职工托育中心",
                           "{d}机关事务中心职工托育园", "{d}{s}产业园职工托育点",
                           "{d}教育系统职工子女托育园", "{d}供电公司职工托育室"),
    Centre.Kind.OTHER: ("{d}{b}早教托育中心", "{d}{b}婴幼儿照护中心", "{d}{b}亲子托育园",
                        "{d}{b}托育之家"),
}
KIND_WEIGHTS = {Centre.Kind.COMMUNITY: 42, Centre.Kind.KINDERGARTEN_INTEGRATED: 20,
                Centre.Kind.MEDICAL_INTEGRATED: 12, Centre.Kind.EMPLOYER: 11,
                Centre.Kind.OTHER: 15}
# 70% of the centres are inclusive (普惠; Luzhou's target is 215 普惠 centres), chosen with
# these weights by kind: private "other" centres are seldom inclusive.
INCLUSIVE_TARGET = 0.70
# Shares of centres that break a setup-standard figure the reviewer's pre-flight checks
# (registry.checks): classes for fewer places than approved, one carer short of the classes'
# ratios, indoor or outdoor area per child below the minimum.
SHORT_OF_CLASSES = 0.06
MAX_CLASSES = 12
SHORT_OF_CARERS = 0.08
CRAMPED = 0.04
INCLUSIVE_WEIGHT = {Centre.Kind.COMMUNITY: 0.8, Centre.Kind.KINDERGARTEN_INTEGRATED: 0.85,
                    Centre.Kind.MEDICAL_INTEGRATED: 0.8, Centre.Kind.EMPLOYER: 0.75,
                    Centre.Kind.OTHER: 0.2}
LF = Centre.LegalForm
LEGAL_FORM_WEIGHTS = {
    Centre.Kind.COMMUNITY: {LF.ENTERPRISE: 5, LF.SOCIAL_SERVICE_ORG: 4, LF.PUBLIC_INSTITUTION: 1},
    Centre.Kind.KINDERGARTEN_INTEGRATED: {LF.PUBLIC_INSTITUTION: 6, LF.SOCIAL_SERVICE_ORG: 4},
    Centre.Kind.MEDICAL_INTEGRATED: {LF.PUBLIC_INSTITUTION: 8, LF.ENTERPRISE: 2},
    Centre.Kind.EMPLOYER: {LF.ENTERPRISE: 7, LF.PUBLIC_INSTITUTION: 3},
    Centre.Kind.OTHER: {LF.ENTERPRISE: 17, LF.SOCIAL_SERVICE_ORG: 3},
}
CLASS_TYPE_WEIGHTS = {
    Centre.Kind.COMMUNITY: {"infant": 15, "toddler_small": 35, "toddler_large": 35, "mixed": 15},
    Centre.Kind.KINDERGARTEN_INTEGRATED: {"toddler_small": 30, "toddler_large": 70},
    Centre.Kind.MEDICAL_INTEGRATED: {"infant": 30, "toddler_small": 35, "toddler_large": 35},
    Centre.Kind.EMPLOYER: {"infant": 15, "toddler_small": 40, "toddler_large": 30, "mixed": 15},
    Centre.Kind.OTHER: {"infant": 10, "toddler_small": 35, "toddler_large": 30, "mixed": 25},
}
CLASS_NAMES = {"infant": "乳儿", "toddler_small": "托小", "toddler_large": "托大",
               "mixed": "混龄"}
# The inclusive price cap these fees meet or not (rule A29) comes from the per-capita income
# figures loaded with the migrations (core.DisposableIncome: 泸州市, urban, 2024 → about 1,194
# yuan a month; docs/rules/inclusive-childcare.md#inclusive-pricing).

# The USCC's first two characters by legal form (GB 32100): 12 事业单位, 52 民办非企业单位
# (社会服务机构), 91 企业.
USCC_PREFIX = {LF.PUBLIC_INSTITUTION: "12", LF.SOCIAL_SERVICE_ORG: "52", LF.ENTERPRISE: "91"}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
LICENCE_ISSUER = {LF.PUBLIC_INSTITUTION: "泸州市{d}委机构编制委员会办公室",
                  LF.SOCIAL_SERVICE_ORG: "泸州市{d}民政局",
                  LF.ENTERPRISE: "泸州市{d}市场监督管理局"}

# Texts of the workflow, as a centre or a bureau would write them.
RETURN_REASONS = {
    MaterialKind.PREMISES: ("租赁合同缺少出租方签章页，请补充完整合同。",
                            "场地证明未体现房屋用途，请补充不动产权证明或租赁备案证明。"),
    MaterialKind.FIRE_SAFETY: ("消防安全检查合格证明已超过有效期，请上传最新证明。",),
    MaterialKind.HEALTH_EVALUATION: ("卫生评价报告结论页不清晰，请重新扫描上传。",),
    MaterialKind.LICENCE: ("营业执照经营范围未包含托育服务，请变更后上传。",),
    MaterialKind.FOOD_LICENCE: ("食品经营许可证主体名称与机构名称不一致，请核对。",),
    MaterialKind.STAFF_CERTS: ("{name}的健康合格证已过期，请重新体检后上传。",
                               "{name}的资格证书照片不完整，请上传正反面。"),
}
RETURN_NOTES = ("请按意见补正后重新提交。", "材料不完整，请补正。", "")
NONCONFORMITY_NOTICES = (
    "户外活动场地人均面积不足3平方米，不符合设置标准，请于30日内整改。",
    "托小班保育人员与婴幼儿比例低于1:5，请补充保育人员。",
    "部分工作人员健康合格证已过期，须重新体检取得合格证后方可上岗。",
    "婴幼儿生活和活动区域未实现视频监控全覆盖，一键式报警装置缺失。",
    "消防通道堆放杂物，疏散指示标志缺失，请立即整改。",
)
RECTIFICATION_NOTES = (
    "已租用相邻场地扩建户外活动区，人均面积达到3.2平方米，附整改照片。",
    "已新招聘2名保育人员并完成岗前培训，师生比已达标。",
    "相关人员已完成体检并取得健康合格证，复印件已上传。",
    "已完成监控系统改造并安装一键式报警装置。",
    "已清理消防通道，补设疏散指示标志和应急照明。",
)
VERIFY_NOTES = ("现场核实：场地、人员、设施与备案材料一致。", "材料审查和现场核实均符合要求。", "")
SUSPENSION_REASONS = (
    "发生一起婴幼儿意外伤害事件，责令停业整顿。",
    "消防安全检查不合格，责令停业整顿。",
    "食品安全抽检不合格，暂停收托。",
    "未按规定报送收托数据，经约谈仍未整改，暂停服务。",
)
TERMINATIONS = (
    ("场地租赁到期，出租方不再续租。", "已协助家长将在托婴幼儿转至就近托育机构。",
     "已依法解除劳动合同并支付经济补偿。", "预收费用已按剩余月份全额退还。"),
    ("经营困难，举办者决定停止托育服务。", "在托婴幼儿均已由家长接回或转入其他机构。",
     "工作人员已妥善安置，部分转入举办者其他机构。", "已退还全部预收保育费和伙食费。"),
    ("并入本区公办幼儿园托班统一管理。", "在托婴幼儿整体转入合并后的托班。",
     "工作人员随同转入合并单位。", "未使用的预收费用已转入新机构或退还家长。"),
)
TRAININGS = {
    "common": (("婴幼儿常见伤害预防与急救", "泸州市妇幼保健院", 8),
               ("托育机构消防安全培训", "泸州市消防救援支队", 4),
               ("婴幼儿心理健康知识培训", "泸州市妇幼保健院", 8)),
    Staff.Role.PRINCIPAL: (("托育机构负责人岗位培训", "泸州市卫生健康委员会", 60),),
    Staff.Role.CARER: (("婴幼儿照护服务人员岗前培训", "泸州市妇幼保健院", 16),
                       ("保育师职业技能培训", "泸州职业技术学院", 40),
                       ("回应性照护专题培训", "泸州市妇幼保健院", 12)),
    Staff.Role.HEALTH: (("托幼机构卫生保健人员岗位培训", "泸州市妇幼保健院", 40),),
    Staff.Role.GUARD: (("托育机构安全保卫培训", "泸州市公安局", 8),),
    Staff.Role.COOK: (("食品安全管理培训", "泸州市市场监督管理局", 8),),
}


def demo_pdf(key: str) -> bytes:
    """A one-page PDF (check_upload parses it) whose title names the demo material."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)  # A4, in points
    writer.add_metadata({"/Title": f"luhuituo demo material {key}"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- plans ---------------------------------------------------------------------------------------


@dataclass
class StaffPlan:
    name: str
    role: str
    id_number: str
    mobile: str
    education: str
    qualification: str
    qualification_valid_until: date | None
    health_cert_valid_until: date | None
    criminal_check_date: date | None
    is_full_time: bool
    hired_on: date
    trainings: list[tuple[str, str, int, date, str]]
    left_on: date | None = None


@dataclass
class MaterialPlan:
    kind: str
    staff: int | None  # index into CentrePlan.staff
    original_name: str
    issuer: str = ""
    number: str = ""
    valid_until: date | None = None


@dataclass
class Step:
    """One event of a filing's life; ``at`` is filled in from ``days_ago``."""

    name: str
    days_ago: int
    at: datetime | None = None


@dataclass(eq=False)
class CentrePlan:
    """Everything about one demo centre, before anything is written."""

    district: District
    serial: int  # within the district, from 1
    name: str
    uscc: str
    fields: dict
    classes: list[tuple[str, str, int, str]]
    staff: list[StaffPlan]
    fees: dict
    state: str = S.DRAFT
    steps: list[Step] = field(default_factory=list)
    materials: list[MaterialPlan] = field(default_factory=list)
    uploads: int = 0  # how many of ``materials`` a draft has uploaded so far
    returned: list[tuple[int, str]] = field(default_factory=list)  # (material index, reason)
    texts: dict = field(default_factory=dict)
    overdue: bool = False
    short_lease: bool = False
    via_services: bool = False
    filing_no: str | None = None

    @property
    def username(self) -> str:
        return f"{self.district.prefix}{self.serial:03d}"

    def step(self, name: str) -> Step | None:
        found = [s for s in self.steps if s.name == name]
        return found[-1] if found else None


class Planner:
    """Draws the demo data from one ``random.Random(2026)``: plans only, nothing is written."""

    def __init__(self, *, today: date, calendar: WorkingDayCalendar):
        self.rng = random.Random(SEED)  # noqa: S311 — demo data, not security
        self.today = today
        self.calendar = calendar
        self.names: set[str] = {DEMO_CENTRE_NAME}
        self.usccs: set[str] = set()
        self.id_numbers: set[str] = set()

    # identifiers

    def uscc_for(self, legal_form: str, region_code: str) -> str:
        """A valid, unused 统一社会信用代码 with the district as its region part."""
        rng = self.rng
        while True:
            if legal_form == LF.ENTERPRISE:
                body = "MA6" + "".join(rng.choice(USCC_ALPHABET) for _ in range(5))
            elif legal_form == LF.SOCIAL_SERVICE_ORG:
                body = "MJ" + "".join(rng.choice("0123456789") for _ in range(6))
            else:
                body = "4" + "".join(rng.choice("0123456789") for _ in range(7))
            org_code = body + org_code_check(body)
            first17 = USCC_PREFIX[legal_form] + region_code + org_code
            code = first17 + uscc.calc_check_digit(first17)
            if code not in self.usccs and uscc.is_valid(code):
                self.usccs.add(code)
                return code

    def id_number_for(self, region_code: str, born: date, *, female: bool) -> str:
        """A valid, unused resident ID number of someone from the district born on ``born``."""
        region = next(code for since, code in ID_REGION_CODES[region_code] if born.year >= since)
        while True:
            order = self.rng.randint(0, 49) * 10 + self.rng.choice(
                (0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9))
            first17 = f"{region}{born:%Y%m%d}{max(order, 2):03d}"
            number = first17 + ric.calc_check_digit(first17 + "0")
            if number not in self.id_numbers:
                if not ric.is_valid(number):
                    raise ValueError(f"generated an invalid ID number {number}")
                self.id_numbers.add(number)
                return number

    def person(self, *, female: bool) -> str:
        rng = self.rng
        chars = FEMALE_CHARS if female else MALE_CHARS
        given = rng.choice(chars) if rng.random() < 0.25 else "".join(rng.sample(chars, 2))
        return rng.choice(SURNAMES) + given

    def mobile(self) -> str:
        prefix = self.rng.choice(("130", "133", "135", "136", "138", "139", "150", "151", "152",
                                  "157", "158", "159", "166", "177", "180", "181", "182", "183",
                                  "187", "188", "189", "191", "198", "199"))
        return prefix + f"{self.rng.randint(0, 99_999_999):08d}"

    def landline(self) -> str:
        return f"0830-{self.rng.choice('2345678')}{self.rng.randint(0, 999_999):06d}"

    def day(self, days_from_today: int) -> date:
        return self.today + timedelta(days=days_from_today)

    # the centre

    def centre_name(self, kind: str, district: District) -> str:
        rng = self.rng
        for _attempt in range(200):
            pattern = rng.choice(NAME_PATTERNS[kind])
            if "{d}市" in pattern and district.code not in {"510502", "510504"}:
                continue  # the city's own hospitals are in the urban districts
            street = rng.choice(district.streets)
            name = pattern.format(
                d=district.name, b=rng.choice(BRANDS), s=street, c=rng.choice(COMMUNITIES),
                n=rng.choice(NUMERALS[:6]),
                h="社区卫生服务中心" if street.endswith("街道") else "卫生院",
            )
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError(f"ran out of centre names for {district.name}")

    def centre(self, district: District, serial: int) -> CentrePlan:
        """One centre's details, classes and staff (fees once it is known to be inclusive)."""
        rng = self.rng
        kind = weighted(rng, KIND_WEIGHTS)
        legal_form = weighted(rng, LEGAL_FORM_WEIGHTS[kind])
        name = self.centre_name(kind, district)
        code = self.uscc_for(legal_form, district.code)
        places = min(150, max(30, 5 * round(rng.triangular(30, 150, 90) / 5)))
        classes = self.classes(kind, places)
        if rng.random() >= SHORT_OF_CLASSES:
            # Most centres have classes for every approved place (the reviewer's pre-flight
            # flags the rest).
            places = sum(size for _name, _type, size, _room in classes)
        meals = kind == Centre.Kind.KINDERGARTEN_INTEGRATED or rng.random() < 0.8
        forms = [Centre.ServiceForm.FULL_DAY] if rng.random() < 0.92 else []
        forms += [f for f, p in ((Centre.ServiceForm.HALF_DAY, 0.45),
                                 (Centre.ServiceForm.HOURLY, 0.35),
                                 (Centre.ServiceForm.TEMPORARY, 0.15)) if rng.random() < p]
        forms = forms or [Centre.ServiceForm.HALF_DAY]
        owned = rng.random() < (0.7 if legal_form == LF.PUBLIC_INSTITUTION else 0.2)
        principal_female = rng.random() < 0.85
        principal = self.person(female=principal_female)
        street, road = rng.choice(district.streets), rng.choice(district.roads)
        building = f"{rng.randint(1, 9)}栋{rng.randint(1, 2)}楼" if rng.random() < 0.4 else ""
        fields = {
            "legal_form": legal_form, "kind": kind, "is_inclusive": False,
            "address": f"泸州市{district.name}{street}{road}{rng.randint(1, 399)}号{building}",
            "latitude": coordinate(rng, district.lat, district.jitter),
            "longitude": coordinate(rng, district.lng, district.jitter),
            "service_forms": forms, "approved_places": places,
            "opens_at": time(7, rng.choice((30, 45)) if rng.random() < 0.6 else 0),
            "closes_at": time(rng.choice((17, 18)), rng.choice((0, 30))),
            "opening_days": rng.choice(("周一至周五", "周一至周五", "周一至周六",
                                        "周一至周五；周六上午计时托")),
            "provides_meals": meals,
            "tenure": Centre.Tenure.OWNED if owned else Centre.Tenure.LEASED,
            "indoor_area_m2": Decimal(
                f"{places * self.area_per_child(settings.MIN_INDOOR_M2_PER_CHILD or 8, 6):.1f}"),
            "outdoor_area_m2": Decimal(
                f"{places * self.area_per_child(settings.MIN_OUTDOOR_M2_PER_CHILD or 3, 2):.1f}"),
            "contact_name": principal if rng.random() < 0.5 else rng.choice(SURNAMES) + "老师",
            "contact_phone": self.landline() if rng.random() < 0.55 else self.mobile(),
            "legal_representative": (principal if legal_form == LF.ENTERPRISE
                                     and rng.random() < 0.4 else
                                     self.person(female=rng.random() < 0.4)),
            "principal_name": principal,
        }
        staff = self.staff(district, classes, meals=meals, principal=principal,
                           principal_female=principal_female)
        return CentrePlan(district=district, serial=serial, name=name, uscc=code, fields=fields,
                          classes=classes, staff=staff, fees={})

    def area_per_child(self, minimum: float, cramped: float) -> float:
        """Square metres per child: at or up to 40 % above the minimum at most centres,
        between ``cramped`` and the minimum at a few (CRAMPED)."""
        if self.rng.random() < CRAMPED:
            return self.rng.uniform(cramped, minimum - 0.1)
        return self.rng.uniform(minimum + 0.1, minimum * 1.4)

    def classes(self, kind: str, places: int) -> list[tuple[str, str, int, str]]:
        """Classes within their types' sizes for the approved places (at most MAX_CLASSES:
        their places may then fall short)."""
        rng = self.rng
        drawn: list[tuple[str, int]] = []
        while sum(size for _type, size in drawn) < places and len(drawn) < MAX_CLASSES:
            class_type = weighted(rng, CLASS_TYPE_WEIGHTS[kind])
            largest = settings.CLASS_TYPES[class_type]["max_size"]
            drawn.append((class_type, rng.randint(math.ceil(0.6 * largest), largest)))
        drawn.sort(key=lambda pair: list(settings.CLASS_TYPES).index(pair[0]))
        types = [class_type for class_type, _size in drawn]
        sizes = [size for _type, size in drawn]
        while sum(sizes) > places:
            biggest = sizes.index(max(sizes))
            sizes[biggest] -= 1
        seen: Counter = Counter(types)
        numbered: Counter = Counter()
        classes = []
        for i, (class_type, size) in enumerate(zip(types, sizes, strict=True)):
            numbered[class_type] += 1
            label = CLASS_NAMES[class_type]
            name = (f"{label}{NUMERALS[numbered[class_type] - 1]}班" if seen[class_type] > 1
                    else f"{label}班")
            room = f"{1 + i // 3}楼{(1 + i // 3) * 100 + 1 + i % 3}室"
            classes.append((name, class_type, size, room))
        return classes

    def staff(self, district: District, classes, *, meals: bool, principal: str,
              principal_female: bool) -> list[StaffPlan]:
        """One principal, the carers the classes' ratios need (one short at a few centres),
        one health-care worker, a guard, a cook when meals are served."""
        rng = self.rng
        carers = sum(math.ceil(size / settings.CLASS_TYPES[class_type]["ratio"])
                     for _name, class_type, size, _room in classes)
        if rng.random() < SHORT_OF_CARERS:
            carers -= 1
        roles = ([Staff.Role.PRINCIPAL] + [Staff.Role.CARER] * carers
                 + [Staff.Role.HEALTH, Staff.Role.GUARD] + [Staff.Role.COOK] * meals)
        people = []
        for role in roles:
            if role == Staff.Role.PRINCIPAL:
                people.append(self.staff_member(district, role, name=principal,
                                                female=principal_female))
            else:
                people.append(self.staff_member(district, role))
        return people

    def staff_member(self, district: District, role: str, *, name: str = "",
                     female: bool | None = None) -> StaffPlan:
        rng = self.rng
        share_female = {Staff.Role.CARER: 0.95, Staff.Role.HEALTH: 0.8, Staff.Role.GUARD: 0.05,
                        Staff.Role.COOK: 0.6}.get(role, 0.85)
        female = rng.random() < share_female if female is None else female
        years = {Staff.Role.PRINCIPAL: (1972, 1990), Staff.Role.CARER: (1980, 2002),
                 Staff.Role.HEALTH: (1975, 1998), Staff.Role.GUARD: (1970, 1990),
                 Staff.Role.COOK: (1970, 1992)}[role]
        born = date(rng.randint(*years), 1, 1) + timedelta(days=rng.randint(0, 364))
        hired_on = self.day(-rng.randint(60, 1500))
        roll = rng.random()
        if roll < 0.012:
            health_until = self.day(-rng.randint(1, 150))  # expired
        elif roll < 0.04:
            health_until = self.day(rng.randint(0, 29))  # expiring within 30 days
        else:
            health_until = self.day(rng.randint(31, 365))
        roll = rng.random()
        if roll < 0.008:
            checked = None
        elif roll < 0.025:
            checked = self.day(-rng.randint(370, 900))
        else:
            checked = self.day(-rng.randint(5, 360))
        qualification, qualification_until = self.qualification(role)
        education = {
            Staff.Role.PRINCIPAL: ("大专", "本科", "本科"),
            Staff.Role.CARER: ("中专", "大专", "大专", "高中"),
            Staff.Role.HEALTH: ("大专（护理）", "中专（医学）", "本科（临床医学）"),
            Staff.Role.GUARD: ("高中", "初中"),
            Staff.Role.COOK: ("初中", "高中"),
        }[role]
        courses = [*TRAININGS.get(role, ()), *TRAININGS["common"]]
        trainings = []
        for course, provider, hours in rng.sample(courses, min(len(courses),
                                                               rng.choice((1, 2, 2, 3)))):
            done = hired_on + timedelta(days=rng.randint(0, max(1, (self.today - hired_on).days)))
            number = f"LZPX{done.year}{rng.randint(1, 99999):05d}" if rng.random() < 0.5 else ""
            trainings.append((course, provider, hours, min(done, self.today), number))
        return StaffPlan(
            name=name or self.person(female=female), role=role,
            id_number=self.id_number_for(district.code, born, female=female),
            mobile=self.mobile(), education=rng.choice(education),
            qualification=qualification, qualification_valid_until=qualification_until,
            health_cert_valid_until=health_until, criminal_check_date=checked,
            is_full_time=role != Staff.Role.HEALTH or rng.random() < 0.7, hired_on=hired_on,
            trainings=trainings,
        )

    def qualification(self, role: str) -> tuple[str, date | None]:
        rng = self.rng
        number = f"{rng.randint(10**9, 10**10 - 1)}"
        if role == Staff.Role.PRINCIPAL:
            return "托育机构负责人岗位培训合格证", None
        if role == Staff.Role.CARER:
            title = rng.choice(("保育师（四级）", "保育师（三级）", "育婴员（四级）",
                                "育婴员（五级）", "幼儿园教师资格证"))
            until = self.day(rng.randint(200, 1800)) if rng.random() < 0.3 else None
            return f"{title} {number}", until
        if role == Staff.Role.HEALTH:
            return rng.choice(("卫生保健人员岗位培训合格证", f"护士执业证书 {number}")), None
        if role == Staff.Role.GUARD:
            return f"保安员证 川{number}", None
        return (rng.choice(("中式烹调师（五级）", "")), None)

    def fees(self, classes, *, inclusive: bool, meals: bool) -> dict:
        """Monthly fees for the centre's class types: inclusive centres mostly under the cap."""
        rng = self.rng
        if inclusive:
            base = rng.randint(80, 115) * 10 if rng.random() < 0.9 else rng.randint(120, 140) * 10
        else:
            base = rng.randint(130, 240) * 10
        extra = {"infant": rng.randint(10, 30) * 10, "toddler_small": 0,
                 "toddler_large": -rng.randint(0, 10) * 10, "mixed": 0}
        types = {class_type for _name, class_type, _size, _room in classes}
        fees = {f"{t}_fee": Decimal(min(2500, max(800, base + extra[t]))) if t in types else None
                for t in settings.CLASS_TYPES}
        fees["meal_fee"] = Decimal(rng.randint(20, 45) * 10) if meals else None
        fees["prepayment_months"] = rng.choice((1, 1, 1, 1, 1, 1, 1, 3, 3, 6))
        fees["other_fees"] = rng.choice(("", "", "", "兴趣课程另行收费，家长自愿参加。",
                                         "被褥由家长自备；代购园服按实收取。"))
        return fees

    # the filing

    def materials(self, plan: CentrePlan) -> list[MaterialPlan]:
        """The centre's checklist (registry.models.required_material_kinds), as files."""
        rng, d = self.rng, plan.district.name
        fields = plan.fields
        owned = fields["tenure"] == Centre.Tenure.OWNED
        items = [
            MaterialPlan(MaterialKind.LICENCE, None,
                         "营业执照.pdf" if fields["legal_form"] == LF.ENTERPRISE
                         else "法人登记证书.pdf",
                         LICENCE_ISSUER[fields["legal_form"]].format(d=d), plan.uscc),
            MaterialPlan(MaterialKind.PREMISES, None,
                         "不动产权证书.pdf" if owned else "场地租赁合同.pdf",
                         f"泸州市{d}不动产登记中心" if owned else "",
                         (f"川（{rng.randint(2015, 2024)}）泸州市不动产权"
                          f"第{rng.randint(1, 99999):07d}号") if owned
                         else f"ZL{rng.randint(10**7, 10**8 - 1)}",
                         fields.get("lease_end")),  # set with the lease (lease())
            MaterialPlan(MaterialKind.HEALTH_EVALUATION, None, "托幼机构卫生评价报告.pdf",
                         "泸州市妇幼保健院" if rng.random() < 0.5
                         else f"{d}妇幼保健计划生育服务中心",
                         f"LZWP-{rng.randint(2024, 2026)}-{rng.randint(1, 999):04d}"),
            MaterialPlan(MaterialKind.FIRE_SAFETY, None, "消防安全检查合格证.pdf",
                         f"泸州市{d}消防救援大队",
                         f"{d}消安检字〔{rng.randint(2024, 2026)}〕第{rng.randint(1, 300):04d}号"),
        ]
        if fields["provides_meals"]:
            items.append(MaterialPlan(
                MaterialKind.FOOD_LICENCE, None, "食品经营许可证.pdf", f"泸州市{d}市场监督管理局",
                f"JY3{plan.district.code}{rng.randint(10**7, 10**8 - 1)}",
                self.day(rng.randint(300, 1800))))
        items.extend(MaterialPlan(code, None, f"{label}.pdf")
                     for code, label in settings.EXTRA_FILING_MATERIALS)
        items.extend(MaterialPlan(MaterialKind.STAFF_CERTS, i, f"{person.name}-资格证及健康证.pdf",
                                  valid_until=person.health_cert_valid_until)
                     for i, person in enumerate(plan.staff))
        return items

    def steps(self, plan: CentrePlan) -> list[Step]:
        """The filing's events for its state, back-dated and in order
        (docs/rules/filing.md#filing-workflow)."""
        rng, state = self.rng, plan.state
        chain: list[tuple[str, tuple[int, int]]] = [("register", (0, 0))]
        if state == S.DRAFT:
            if plan.uploads:
                chain.append(("upload", (2, 30)))
            return self.date_steps(chain, (1, 60))
        chain += [("upload", (5, 40)), ("submit", (1, 10))]
        returned_before = (state == S.SUBMITTED and rng.random() < 0.3) or (
            state == S.VERIFIED and rng.random() < 0.15)
        if returned_before:
            chain += [("return", (1, 4)), ("replace", (2, 10)), ("resubmit", (0, 2))]
        last = {S.SUBMITTED: (12, 25) if plan.overdue else (1, 4), S.RETURNED: (1, 30)}
        if state == S.RETURNED:
            chain.append(("return", (1, 4)))
        if state not in {S.SUBMITTED, S.RETURNED}:
            chain.append(("accept", (1, 5)))
            last[S.FILED] = (1, 14)
        if state not in {S.SUBMITTED, S.RETURNED, S.FILED}:
            chain.append(("start", (2, 12)))
            last[S.UNDER_VERIFICATION] = (1, 25)
        if state in {S.NONCONFORMING, S.RECTIFYING} or (
                state == S.VERIFIED and rng.random() < 0.06):
            chain.append(("nonconforming", (3, 15)))
            last[S.NONCONFORMING] = (1, 45)
            if state != S.NONCONFORMING:
                chain.append(("rectify", (5, 30)))
                last[S.RECTIFYING] = (1, 20)
        if state in {S.VERIFIED, S.SUSPENDED, S.TERMINATING, S.DEREGISTERED}:
            chain.append(("verify", (2, 20)))
            last[S.VERIFIED] = (3, 480)
        if state == S.SUSPENDED:
            chain.append(("suspend", (20, 200)))
            last[S.SUSPENDED] = (1, 150)
        if state in {S.TERMINATING, S.DEREGISTERED}:
            chain.append(("terminate", (30, 200) if state == S.DEREGISTERED else (30, 300)))
            last[S.TERMINATING] = (1, 30)
        if state == S.DEREGISTERED:
            chain.append(("deregister", (5, 30)))
            last[S.DEREGISTERED] = (10, 200)
        steps = self.date_steps(chain, last[state])
        if plan.overdue:  # make sure the receipt deadline has passed (holidays included)
            while self.calendar.deadline(steps[-1].at, settings.FILING_RECEIPT_WORKING_DAYS) \
                    >= timezone.now():
                for step in steps:
                    step.days_ago += 7
                self.timestamp(steps)
        return steps

    def date_steps(self, chain, last_range) -> list[Step]:
        """Days ago for each step, counted back from the last one, then moments."""
        rng = self.rng
        gaps = [rng.randint(*gap) for _name, gap in chain]
        lo, hi = last_range
        room = HISTORY_DAYS - sum(gaps[1:])
        days = rng.randint(lo, max(lo, min(hi, room)))
        steps: list[Step] = []
        for (name, _gap), gap_after in zip(reversed(chain), [0, *reversed(gaps[1:])],
                                           strict=True):
            days += gap_after
            steps.append(Step(name, days))
        steps.reverse()
        self.timestamp(steps)
        return steps

    def timestamp(self, steps: list[Step]) -> None:
        """Moments in office hours on working days where the neighbouring steps allow it."""
        rng = self.rng
        dates = [self.today - timedelta(days=s.days_ago) for s in steps]
        for i, day in enumerate(dates):
            if self.calendar.is_working_day(day):
                continue
            upper = min(dates[i + 1] if i + 1 < len(dates) else self.today - timedelta(days=1),
                        self.today - timedelta(days=1))
            lower = dates[i - 1] if i else day - timedelta(days=7)
            for candidate in [day + timedelta(days=k) for k in (1, 2, 3)] + [
                    day - timedelta(days=k) for k in (1, 2, 3)]:
                if lower <= candidate <= upper and self.calendar.is_working_day(candidate):
                    dates[i] = candidate
                    break
        previous: datetime | None = None
        for step, day in zip(steps, dates, strict=True):
            at = datetime.combine(day, time(8, 30), tzinfo=CHINA_TZ) + timedelta(
                minutes=rng.randint(0, 9 * 60))
            if previous is not None and at <= previous:
                at = previous + timedelta(minutes=rng.randint(30, 120))
            step.at, step.days_ago, previous = at, (self.today - day).days, at

    def texts(self, plan: CentrePlan) -> dict:
        """What the regulator and the centre write at each step."""
        rng = self.rng
        texts = {"verify_note": rng.choice(VERIFY_NOTES), "return_note": rng.choice(RETURN_NOTES),
                 "notice": rng.choice(NONCONFORMITY_NOTICES),
                 "rectify_note": rng.choice(RECTIFICATION_NOTES),
                 "suspension": rng.choice(SUSPENSION_REASONS),
                 "termination": rng.choice(TERMINATIONS),
                 "deregister_note": rng.choice(("注销登记已办结，准予注销备案。", ""))}
        i = NONCONFORMITY_NOTICES.index(texts["notice"])
        texts["rectify_note"] = RECTIFICATION_NOTES[i]
        return texts

    def returned_materials(self, plan: CentrePlan) -> list[tuple[int, str]]:
        """One or two materials the regulator sends back, with the reason."""
        rng = self.rng
        candidates = [i for i, m in enumerate(plan.materials) if m.kind in RETURN_REASONS]
        chosen = sorted(rng.sample(candidates, rng.choice((1, 1, 2))))
        returned = []
        for i in chosen:
            material = plan.materials[i]
            reason = rng.choice(RETURN_REASONS[material.kind])
            if material.staff is not None:
                reason = reason.format(name=plan.staff[material.staff].name)
            returned.append((i, reason))
        return returned


def weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def coordinate(rng: random.Random, centre: float, jitter: float) -> Decimal:
    return Decimal(f"{centre + rng.uniform(-jitter, jitter) * 0.98:.6f}")


def org_code_check(body: str) -> str:
    """The check character of an 8-character organisation code (GB 11714)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w
                for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def allocate(count: int, weights: list[int]) -> list[int]:
    """Split ``count`` in proportion to ``weights`` (largest remainder)."""
    total = sum(weights)
    exact = [count * w / total for w in weights]
    shares = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[:count - sum(shares)]:
        shares[i] += 1
    return shares


# Not-yet-verified and past-verified states for the full 215; VERIFIED takes the rest (150).
STATE_COUNTS = {S.SUBMITTED: 12, S.DRAFT: 9, S.FILED: 8, S.UNDER_VERIFICATION: 7,
                S.RETURNED: 6, S.NONCONFORMING: 5, S.TERMINATING: 5, S.DEREGISTERED: 5,
                S.RECTIFYING: 4, S.SUSPENDED: 4}
STATE_PRIORITY = [S.VERIFIED, S.SUBMITTED, S.DRAFT, S.RETURNED, S.FILED, S.UNDER_VERIFICATION,
                  S.NONCONFORMING, S.RECTIFYING, S.SUSPENDED, S.TERMINATING, S.DEREGISTERED]


def state_counts(count: int) -> dict[str, int]:
    """How many filings in each state: every state once there are 11 centres or more,
    mostly verified (about 150 of 215), at least two submitted (one overdue)."""
    if count < len(STATE_PRIORITY):
        return dict.fromkeys(STATE_PRIORITY[:count], 1)
    counts = {s: max(1, round(n * count / DEFAULT_CENTRES)) for s, n in STATE_COUNTS.items()}
    if count >= len(STATE_PRIORITY) + 1:
        counts[S.SUBMITTED] = max(2, counts[S.SUBMITTED])
    while sum(counts.values()) >= count:  # keep at least one verified
        biggest = max(counts, key=lambda s: (counts[s], s))
        counts[biggest] -= 1
    counts[S.VERIFIED] = count - sum(counts.values())
    return counts


def build_plans(count: int, *, today: date, calendar: WorkingDayCalendar
                ) -> tuple[CentrePlan, list[CentrePlan]]:
    """The demo centre's plan and ``count`` generated centres, deterministic for one day."""
    check_districts()
    planner = Planner(today=today, calendar=calendar)
    demo = demo_centre_plan(planner)
    rng = planner.rng
    slots = [d for d, n in zip(DISTRICTS, allocate(count, [d.weight for d in DISTRICTS]),
                               strict=True) for _ in range(n)]
    rng.shuffle(slots)
    serials: Counter = Counter()
    plans = []
    for district in slots:
        serials[district.code] += 1
        plans.append(planner.centre(district, serials[district.code]))
    ranked = sorted(plans, key=lambda p: rng.random() / INCLUSIVE_WEIGHT[p.fields["kind"]])
    for i, plan in enumerate(ranked):
        plan.fields["is_inclusive"] = i < round(INCLUSIVE_TARGET * count)
        plan.fees = planner.fees(plan.classes, inclusive=plan.fields["is_inclusive"],
                                 meals=plan.fields["provides_meals"])
    assign_states(plans, state_counts(count), rng)
    for plan in plans:
        plan.materials = planner.materials(plan)
        if plan.state == S.DRAFT:
            plan.uploads = rng.choice((0, len(plan.materials), len(plan.materials) // 2))
        plan.steps = planner.steps(plan)
        plan.texts = planner.texts(plan)
        if plan.step("return"):
            plan.returned = planner.returned_materials(plan)
        settle_staff(plan, rng)
    short_leases(plans, rng)
    for plan in plans:
        lease(plan, rng, today)
    share_staff(plans)
    choose_service_subset(plans)
    return demo, plans


def assign_states(plans: list[CentrePlan], counts: dict[str, int], rng: random.Random) -> None:
    """States to centres: half the submitted ones in 江阳区 (the demo regulator's queue), about
    half of them past the receipt deadline."""
    submitted = counts.get(S.SUBMITTED, 0)
    jiangyang = [p for p in plans if p.district.code == "510502"]
    others = [p for p in plans if p.district.code != "510502"]
    in_jiangyang = min(len(jiangyang), math.ceil(submitted / 2))
    for chosen in (rng.sample(jiangyang, in_jiangyang),
                   rng.sample(others, min(len(others), submitted - in_jiangyang))):
        for i, plan in enumerate(sorted(chosen, key=plans.index)):
            plan.state = S.SUBMITTED
            plan.overdue = i % 2 == 0
    rest = [p for p in plans if p.state != S.SUBMITTED]
    states = [s for s, n in counts.items() if s != S.SUBMITTED for _ in range(n)]
    rng.shuffle(states)
    for plan, state in zip(rest, states, strict=True):
        plan.state = state


def lease(plan: CentrePlan, rng: random.Random, today: date) -> None:
    """Leases of 3–10 years that run past today; short ones only for a few drafts."""
    fields = plan.fields
    if fields["tenure"] != Centre.Tenure.LEASED:
        fields["lease_start"] = fields["lease_end"] = None
        return
    registered = plan.steps[0].at.date()
    start = registered - timedelta(days=rng.randint(30, 900))
    if plan.short_lease:
        years = rng.choice((1, 2))
    else:
        years = rng.randint(3, 10)
        while start + relativedelta(years=years) < today + timedelta(days=90):
            years += 1
    fields["lease_start"], fields["lease_end"] = start, start + relativedelta(years=years)
    for material in plan.materials:
        if material.kind == MaterialKind.PREMISES:
            material.valid_until = fields["lease_end"]


def short_leases(plans: list[CentrePlan], rng: random.Random) -> None:
    """A handful of draft centres whose lease is shorter than MIN_LEASE_YEARS: the filing
    page shows them what blocks their submission."""
    drafts = [p for p in plans if p.state == S.DRAFT
              and p.fields["tenure"] == Centre.Tenure.LEASED]
    for plan in rng.sample(drafts, min(len(drafts), max(1, len(drafts) // 3))):
        plan.short_lease = True


def settle_staff(plan: CentrePlan, rng: random.Random) -> None:
    """Staff leave with a deregistered centre, and now and then from a verified one."""
    end = plan.step("deregister")
    verified = plan.step("verify")
    for person in plan.staff:
        if end is not None:
            person.left_on = end.at.date()
        elif (plan.state == S.VERIFIED and person.role == Staff.Role.CARER
              and rng.random() < 0.04):
            person.left_on = verified.at.date() + timedelta(days=rng.randint(
                1, max(1, verified.days_ago - 1)))
    registered = plan.steps[0].at.date()
    for person in plan.staff:
        person.hired_on = min(person.hired_on, registered + timedelta(days=10))


def share_staff(plans: list[CentrePlan]) -> None:
    """Two people on the active staff of two centres each (the same ID number), so the
    duplicate-employment check has something to show: a carer working a second, part-time
    job, and a part-time health-care worker serving two centres."""
    live = [p for p in plans if p.state not in {S.DEREGISTERED}
            and all(s.left_on is None for s in p.staff)]
    by_district: dict[str, list[CentrePlan]] = defaultdict(list)
    for plan in live:
        by_district[plan.district.code].append(plan)
    pairs = [ps[:2] for ps in by_district.values() if len(ps) >= 2][:2]
    if len(pairs) < 2 and len(live) >= 4:
        used = {id(p) for pair in pairs for p in pair}
        spare = [p for p in live if id(p) not in used]
        pairs.append(spare[:2])
    for (first, second), role in zip(pairs, (Staff.Role.CARER, Staff.Role.HEALTH), strict=False):
        person = next(s for s in first.staff if s.role == role)
        i = next(i for i, s in enumerate(second.staff) if s.role == role)
        twin = StaffPlan(**{**person.__dict__, "is_full_time": False,
                            "hired_on": second.staff[i].hired_on,
                            "trainings": list(person.trainings)})
        second.staff[i] = twin
        for material in second.materials:
            if material.staff == i:
                material.original_name = f"{twin.name}-资格证及健康证.pdf"
                material.valid_until = twin.health_cert_valid_until
        for j, (index, _reason) in enumerate(second.returned):
            if second.materials[index].staff == i:
                second.returned[j] = (index, RETURN_REASONS[MaterialKind.STAFF_CERTS][0].format(
                    name=twin.name))


def choose_service_subset(plans: list[CentrePlan]) -> None:
    """The centres driven through registry.services: a few of each state."""
    taken: Counter = Counter()
    for plan in plans:
        limit = SERVICE_CENTRES_VERIFIED if plan.state == S.VERIFIED else \
            SERVICE_CENTRES_PER_STATE
        if taken[plan.state] < limit and not plan.short_lease:
            plan.via_services = True
            taken[plan.state] += 1


def demo_centre_plan(planner: Planner) -> CentrePlan:
    """江阳区示范托育中心: complete, ready for its manager to submit."""
    district = DISTRICT_BY_CODE[DEMO_CENTRE_REGION]
    today = planner.today
    classes = [("乳儿班", "infant", 8, "1楼101室"), ("托小一班", "toddler_small", 15, "1楼102室"),
               ("托大一班", "toddler_large", 20, "1楼103室"), ("混龄班", "mixed", 15, "2楼201室")]
    staff = planner.staff(district, classes, meals=True, principal="张丽", principal_female=True)
    carer = next(s for s in staff if s.role == Staff.Role.CARER)
    carer.name = "刘芳"
    carer.health_cert_valid_until = today + timedelta(days=12)  # an alert to show
    for person in staff:
        person.left_on = None
    lease_start = date(today.year - 1, 9, 1)
    fields = {
        "legal_form": LF.ENTERPRISE, "kind": Centre.Kind.COMMUNITY, "is_inclusive": True,
        "address": "泸州市江阳区大山坪街道酒城大道三段18号", "latitude": Decimal("28.871200"),
        "longitude": Decimal("105.443100"),
        "service_forms": [Centre.ServiceForm.FULL_DAY, Centre.ServiceForm.HALF_DAY,
                          Centre.ServiceForm.HOURLY],
        "approved_places": 80, "opens_at": time(7, 45), "closes_at": time(17, 45),
        "opening_days": "周一至周五；周六上午计时托", "provides_meals": True,
        "tenure": Centre.Tenure.LEASED, "lease_start": lease_start,
        "lease_end": lease_start + relativedelta(years=6), "indoor_area_m2": Decimal("620.0"),
        "outdoor_area_m2": Decimal("260.0"), "contact_name": "张丽",
        "contact_phone": "0830-3188866", "legal_representative": "王志强",
        "principal_name": "张丽",
    }
    plan = CentrePlan(
        district=district, serial=0, name=DEMO_CENTRE_NAME,
        uscc=planner.uscc_for(LF.ENTERPRISE, district.code), fields=fields, classes=classes,
        staff=staff, fees=planner.fees(classes, inclusive=True, meals=True),
    )
    plan.fees.update(infant_fee=Decimal(1150), toddler_small_fee=Decimal(1050),
                     toddler_large_fee=Decimal(980), mixed_fee=Decimal(1000),
                     meal_fee=Decimal(360), prepayment_months=1)
    plan.materials = planner.materials(plan)
    return plan


# --- writing -------------------------------------------------------------------------------------


def pdf(plan: CentrePlan, index: int, material: MaterialPlan, version: int = 1) -> ContentFile:
    """A small PDF for one material (check_upload accepts it)."""
    key = f"{plan.uscc} {material.kind} {index} v{version}"
    return ContentFile(demo_pdf(key), name=material.original_name)


def status_label(status: str) -> str:
    return str(S(status).label)


@contextmanager
def quiet_calendar():
    """Back-dated deadlines fall in years whose holiday notice may not be loaded (2025): the
    calendar counts Monday–Friday for them, which is what the demo wants, without warning."""
    log = logging.getLogger("luhuituo.core.workdays")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def filing_times(plan: CentrePlan, calendar: WorkingDayCalendar) -> dict:
    """The filing's timestamps as the services would have set them at each step."""
    values: dict = {}
    names = {"return": "returned_at", "start": "verification_started_at",
             "verify": "verified_at", "nonconforming": "nonconforming_at",
             "rectify": "rectification_submitted_at", "suspend": "suspended_at",
             "terminate": "termination_requested_at", "deregister": "deregistered_at"}
    for step in plan.steps:
        if step.name in {"submit", "resubmit"}:
            values.update(commitment_signed_at=step.at, submitted_at=step.at,
                          receipt_due=calendar.deadline(
                              step.at, settings.FILING_RECEIPT_WORKING_DAYS))
            values.setdefault("first_submitted_at", step.at)
        elif step.name == "accept":
            values.update(filed_at=step.at, notice_due=calendar.deadline(
                step.at, settings.FILING_NOTICE_WORKING_DAYS))
        elif step.name in names:
            values[names[step.name]] = step.at
    return values


def filing_texts(plan: CentrePlan) -> dict:
    texts, values = plan.texts, {}
    if plan.step("nonconforming"):
        values["nonconformity_notice"] = texts["notice"]
    if plan.step("suspend"):
        values["suspension_reason"] = texts["suspension"]
    if plan.step("terminate"):
        reason, children, staff, fees = texts["termination"]
        values.update(termination_reason=reason, children_settled=children,
                      staff_settled=staff, fees_refunded=fees)
    return values


def issue_filing_numbers(plans: list[CentrePlan], regions: dict[str, Region]) -> dict:
    """Numbers per district and year in the order of the filing dates, after each sequence's
    last number; returns {(region code, year): last number issued}."""
    accepted = sorted((p for p in plans if p.step("accept")), key=lambda p: p.step("accept").at)
    current = {(s.region.code, s.year): s.last
               for s in FilingNumberSequence.objects.select_related("region")}
    last: dict[tuple[str, int], int] = {}
    for plan in accepted:
        year = timezone.localdate(plan.step("accept").at).year
        key = (plan.district.code, year)
        last[key] = last.get(key, current.get(key, 0)) + 1
        plan.filing_no = f"{plan.district.code}-{year}-{last[key]:04d}"
    for (code, year), number in last.items():
        sequence, _created = FilingNumberSequence.objects.select_for_update().get_or_create(
            region=regions[code], year=year)
        if sequence.last < number:
            sequence.last = number
            sequence.save(update_fields=["last"])
    return last


class Writer:
    """Writes plans: a few through registry.services, the rest with bulk inserts."""

    def __init__(self, *, calendar: WorkingDayCalendar):
        self.calendar = calendar
        self.regions = {r.code: r for r in Region.objects.all()}
        self.regulators = {u.username: u for u in User.objects.filter(
            username__in=[*DISTRICT_REGULATORS.values(), CITY_REGULATOR])}
        self.filing_type = ContentType.objects.get_for_model(Filing)
        self.centre_type = ContentType.objects.get_for_model(Centre)
        self.events: list[tuple] = []  # (target, verb, actor, at, target_repr, details)
        self._password: str | None = None

    def regulator(self, plan: CentrePlan) -> User:
        return self.regulators[DISTRICT_REGULATORS.get(plan.district.code, CITY_REGULATOR)]

    # accounts

    def managers(self, plans: list[CentrePlan]) -> dict[int, User]:
        """One centre account per centre, its principal, with the demo password."""
        wanted = {p.username: p for p in plans}
        existing = set(User.objects.filter(username__in=wanted).values_list("username",
                                                                            flat=True))
        users = []
        for username, plan in wanted.items():
            if username in existing:  # another --centres count used this name for another centre
                username = f"{username}-{plan.uscc[-4:].lower()}"
            if self._password is None:
                self._password = make_password(settings.DEMO_PASSWORD)
            users.append(User(username=username, name=plan.fields["principal_name"],
                              account_type=User.AccountType.CENTRE, password=self._password,
                              date_joined=plan.steps[0].at))
        created = User.objects.bulk_create(users)
        return {id(plan): user for plan, user in zip(wanted.values(), created, strict=True)}

    # objects of a centre

    def centre_objects(self, plan: CentrePlan, manager: User):
        """Unsaved centre, filing, membership, classes, staff, trainings and fee schedule."""
        registered = plan.steps[0].at
        # Not inclusive yet: the district bureau recognises the planned ones (recognise()).
        centre = Centre(name=plan.name, region=self.regions[plan.district.code], uscc=plan.uscc,
                        created_at=registered, **{**plan.fields, "is_inclusive": False})
        membership = CentreMembership(user=manager, centre=centre, created_at=registered,
                                      role=CentreMembership.Role.MANAGER)
        classes = [ClassGroup(centre=centre, name=name, class_type=class_type, capacity=size,
                              room=room, created_at=registered)
                   for name, class_type, size, room in plan.classes]
        staff, trainings = self.staff_objects(plan, centre, manager, registered)
        fees = FeeSchedule(centre=centre, created_at=registered,
                           effective_from=registered.date().replace(day=1), **plan.fees)
        return centre, membership, classes, staff, trainings, fees

    def staff_objects(self, plan: CentrePlan, centre: Centre, manager: User | None,
                      registered: datetime):
        staff, trainings = [], []
        for person in plan.staff:
            member = Staff(
                centre=centre, name=person.name, role=person.role, id_number=person.id_number,
                mobile=person.mobile, is_full_time=person.is_full_time,
                education=person.education, qualification=person.qualification,
                qualification_valid_until=person.qualification_valid_until,
                health_cert_valid_until=person.health_cert_valid_until,
                criminal_check_date=person.criminal_check_date,
                criminal_check_result=Staff.CriminalCheck.CLEAR if person.criminal_check_date
                else "",
                hired_on=person.hired_on, created_at=registered,
                user=manager if person.role == Staff.Role.PRINCIPAL else None,
            )
            staff.append(member)
            trainings.extend(
                StaffTrainingRecord(staff=member, course=course, provider=provider, hours=hours,
                                    completed_on=done, certificate_no=number)
                for course, provider, hours, done, number in person.trainings)
        return staff, trainings

    def event(self, target, verb: str, actor: User, at: datetime, target_repr: str, **details):
        self.events.append((target, verb, actor, at, target_repr, details))

    def flush_events(self) -> None:
        """The collected history, back-dated, in one insert (AuditEvent is append-only)."""
        AuditEvent.objects.bulk_create([
            AuditEvent(
                actor=actor, actor_repr=actor.get_full_name()[:150], verb=verb,
                target_type=self.filing_type if isinstance(target, Filing) else self.centre_type,
                target_id=str(target.pk), target_repr=target_repr[:200], created_at=at,
                details=json.loads(json.dumps(details, cls=DjangoJSONEncoder, default=str)),
            )
            for target, verb, actor, at, target_repr, details in sorted(
                self.events, key=lambda e: e[3])
        ], batch_size=1000)
        self.events = []

    # the bulk, directly

    def write_direct(self, plans: list[CentrePlan], managers: dict[int, User],
                     progress: Callable) -> None:
        """Bulk-insert the centres and everything about them, as the services would leave it."""
        rows: dict[str, list] = defaultdict(list)
        filings = []
        for plan in progress(plans, "demo centres (bulk)"):
            manager = managers[id(plan)]
            centre, membership, classes, staff, trainings, fees = self.centre_objects(
                plan, manager)
            for person, member in zip(plan.staff, staff, strict=True):
                if person.left_on:
                    member.employment_status, member.left_on = Staff.Employment.LEFT, \
                        person.left_on
            filing = self.filing_object(plan, centre, manager)
            rows["centres"].append(centre)
            rows["memberships"].append(membership)
            rows["classes"] += classes
            rows["staff"] += staff
            rows["trainings"] += trainings
            rows["fees"].append(fees)
            filings.append((plan, filing, manager, staff))
        Centre.objects.bulk_create(rows["centres"], batch_size=500)
        Filing.objects.bulk_create([f for _p, f, _m, _s in filings], batch_size=500)
        CentreMembership.objects.bulk_create(rows["memberships"], batch_size=500)
        ClassGroup.objects.bulk_create(rows["classes"], batch_size=500)
        Staff.objects.bulk_create(rows["staff"], batch_size=500)
        StaffTrainingRecord.objects.bulk_create(rows["trainings"], batch_size=1000)
        FeeSchedule.objects.bulk_create(rows["fees"], batch_size=500)
        materials = [(plan, filing, manager, self.material_objects(plan, filing, manager, staff))
                     for plan, filing, manager, staff in filings]
        FilingMaterial.objects.bulk_create([m for *_rest, ms in materials for m in ms],
                                           batch_size=500)
        for plan, filing, manager, filing_materials in materials:
            self.history(plan, filing, manager, filing_materials)

    def filing_object(self, plan: CentrePlan, centre: Centre, manager: User) -> Filing:
        submitted = plan.step("submit") is not None
        decided = any(plan.step(n) for n in ("return", "accept"))
        return Filing(centre=centre, status=plan.state, filing_no=plan.filing_no,
                      commitment_signed_by=manager if submitted else None,
                      reviewer=self.regulator(plan) if decided else None,
                      **filing_times(plan, self.calendar), **filing_texts(plan))

    def material_objects(self, plan: CentrePlan, filing: Filing, manager: User,
                         staff: list[Staff]) -> list[FilingMaterial]:
        """The uploads, verdicts and replacements of one filing; files go to MEDIA_ROOT."""
        upload, accept = plan.step("upload"), plan.step("accept")
        returned_step, replace = plan.step("return"), plan.step("replace")
        returned = dict(plan.returned)
        regulator = self.regulator(plan)
        count = plan.uploads if plan.state == S.DRAFT else len(plan.materials)
        objects = []
        for i, item in enumerate(plan.materials[:count]):
            versions = [(1, upload.at)]
            if i in returned and replace is not None:
                versions.append((2, replace.at))
            for version, uploaded_at in versions:
                upload_file = pdf(plan, i, item, version)
                checked = check_upload(upload_file)
                material = FilingMaterial(
                    filing=filing, kind=item.kind,
                    staff=staff[item.staff] if item.staff is not None else None,
                    original_name=item.original_name, content_type=checked.content_type,
                    size=checked.size, sha256=checked.sha256, issuer=item.issuer,
                    number=item.number, valid_until=item.valid_until, uploaded_by=manager,
                    uploaded_at=uploaded_at + timedelta(seconds=15 * i),
                )
                material.demo_version = version
                material.file.save(item.original_name, checked.file, save=False)
                superseded = version < len(versions)
                if i in returned and (superseded or replace is None):
                    material.verdict = FilingMaterial.Verdict.RETURNED
                    material.return_reason = returned[i]
                    material.reviewed_by, material.reviewed_at = regulator, returned_step.at
                elif accept is not None:
                    material.verdict = FilingMaterial.Verdict.ACCEPTED
                    material.reviewed_by, material.reviewed_at = regulator, accept.at
                objects.append(material)
        return objects

    def history(self, plan: CentrePlan, filing: Filing, manager: User,
                materials: list[FilingMaterial]) -> None:
        """Audit events with the services' verbs and details, at the back-dated moments."""
        centre, regulator, texts = filing.centre, self.regulator(plan), plan.texts
        self.event(centre, "centre_registered", manager, plan.steps[0].at, centre.name,
                   region=plan.district.name, legal_form=centre.legal_form)
        status = S.DRAFT
        numbered = ""

        def repr_for(to):
            return numbered or centre.name

        def move(to, verb, actor, at, **details):
            nonlocal status
            details = {"from": status, "to": to, **details}
            status = to
            self.event(filing, verb, actor, at, repr_for(to), **details)

        returned = dict(plan.returned)
        for step in plan.steps:
            at = step.at
            if step.name in {"upload", "replace"}:
                version = 1 if step.name == "upload" else 2
                for material in materials:
                    if material.demo_version == version:
                        self.event(filing, "filing_material_uploaded", manager,
                                   material.uploaded_at, repr_for(status),
                                   kind=material.kind,
                                   staff=material.staff.name if material.staff else "",
                                   file=material.original_name)
            elif step.name == "submit":
                move(S.SUBMITTED, "filing_submitted", manager, at)
            elif step.name == "resubmit":
                move(S.SUBMITTED, "filing_resubmitted", manager, at)
            elif step.name == "return":
                reasons = [
                    {"kind": plan.materials[i].kind,
                     "staff": (plan.staff[plan.materials[i].staff].name
                               if plan.materials[i].staff is not None else ""),
                     "reason": reason}
                    for i, reason in returned.items()
                ]
                move(S.RETURNED, "filing_returned", regulator, at, note=texts["return_note"],
                     reasons=reasons)
            elif step.name == "accept":
                numbered = plan.filing_no
                # What the reviewer's pre-flight check found that day, accepted with a reason
                # as accept_filing records it.
                findings = preflight(filing, today=timezone.localdate(at))
                overridden = {"findings": [f.as_audit() for f in findings],
                              "findings_reason": ACCEPTED_DESPITE_FINDINGS} if findings else {}
                move(S.FILED, "filing_accepted", regulator, at, filing_no=plan.filing_no,
                     **overridden)
            elif step.name == "start":
                move(S.UNDER_VERIFICATION, "filing_verification_started", regulator, at)
            elif step.name == "verify":
                move(S.VERIFIED, "filing_verified", regulator, at, note=texts["verify_note"])
            elif step.name == "nonconforming":
                move(S.NONCONFORMING, "filing_nonconforming", regulator, at,
                     notice=texts["notice"])
            elif step.name == "rectify":
                move(S.RECTIFYING, "filing_rectification", manager, at,
                     note=texts["rectify_note"])
            elif step.name == "suspend":
                move(S.SUSPENDED, "filing_suspended", regulator, at, reason=texts["suspension"])
            elif step.name == "terminate":
                move(S.TERMINATING, "filing_termination", manager, at,
                     reason=texts["termination"][0])
            elif step.name == "deregister":
                move(S.DEREGISTERED, "filing_deregistered", regulator, at,
                     note=texts["deregister_note"])

    # the representative subset, through the services

    def write_through_services(self, plan: CentrePlan, manager: User) -> Centre:
        """Create the centre, upload its materials and walk its filing through every step
        with registry.services; then back-date what the services stamped with 'now'."""
        centre, membership, classes, staff, trainings, fees = self.centre_objects(plan, manager)
        clock = Backdater()
        with clock.at(plan.steps[0].at):
            centre.save()
            filing = Filing.objects.create(centre=centre, status=S.DRAFT)
        membership.save()
        ClassGroup.objects.bulk_create(classes)
        Staff.objects.bulk_create(staff)
        StaffTrainingRecord.objects.bulk_create(trainings)
        fees.save()
        regulator, texts = self.regulator(plan), plan.texts
        uploaded: dict[int, FilingMaterial] = {}
        replaced: list[int] = []

        def upload(i: int, version: int = 1) -> None:
            item = plan.materials[i]
            upload_file = pdf(plan, i, item, version)
            material = services.upload_material(
                filing=filing, by=manager, kind=item.kind, uploaded=upload_file,
                checked=check_upload(upload_file),
                staff=staff[item.staff] if item.staff is not None else None,
                issuer=item.issuer, number=item.number, valid_until=item.valid_until)
            uploaded[i] = material
            if version > 1:
                replaced.append(material.pk)

        for step in plan.steps:
            with clock.at(step.at):
                self.take_step(plan, step, filing, uploaded, upload, manager, regulator, texts)
        with clock.at(plan.steps[-1].at):
            self.back_date(plan, filing, staff, replaced)
        clock.apply()
        self.event(centre, "centre_registered", manager, plan.steps[0].at, centre.name,
                   region=plan.district.name, legal_form=centre.legal_form)
        return centre

    def take_step(self, plan, step, filing, uploaded, upload, manager, regulator, texts):
        """One step of the plan through registry.services (stamped "now"; back-dated after)."""
        if step.name == "upload":
            count = plan.uploads if plan.state == S.DRAFT else len(plan.materials)
            for i in range(count):
                upload(i)
        elif step.name in {"submit", "resubmit"}:
            services.submit_filing(filing=filing, by=manager, commitment=True)
        elif step.name == "return":
            services.return_filing(
                filing=filing, by=regulator, note=texts["return_note"],
                reasons={uploaded[i].pk: reason for i, reason in plan.returned})
        elif step.name == "replace":
            for i, _reason in plan.returned:
                upload(i, version=2)
        elif step.name == "accept":
            Filing.objects.filter(pk=filing.pk).update(filing_no=plan.filing_no)
            services.accept_filing(
                filing=filing, by=regulator,
                findings_reason=ACCEPTED_DESPITE_FINDINGS if preflight(filing) else "")
        elif step.name == "start":
            services.start_verification(filing=filing, by=regulator)
        elif step.name == "verify":
            services.verify_filing(filing=filing, by=regulator, note=texts["verify_note"])
        elif step.name == "nonconforming":
            services.find_nonconforming(filing=filing, by=regulator, notice=texts["notice"])
        elif step.name == "rectify":
            services.submit_rectification(filing=filing, by=manager,
                                          note=texts["rectify_note"])
        elif step.name == "suspend":
            services.suspend_filing(filing=filing, by=regulator,
                                    reason=texts["suspension"])
        elif step.name == "terminate":
            reason, children, staff_settled, fees_refunded = texts["termination"]
            services.request_termination(
                filing=filing, by=manager, reason=reason, children_settled=children,
                staff_settled=staff_settled, fees_refunded=fees_refunded)
        elif step.name == "deregister":
            services.deregister_filing(filing=filing, by=regulator,
                                       note=texts["deregister_note"])

    def back_date(self, plan: CentrePlan, filing: Filing, staff: list[Staff],
                  replaced: list[int]) -> None:
        """Move the services' timestamps to the plan's moments."""
        Filing.objects.filter(pk=filing.pk).update(**filing_times(plan, self.calendar))
        materials = FilingMaterial.objects.filter(filing=filing)
        upload, replace = plan.step("upload"), plan.step("replace")
        if upload is not None:
            materials.exclude(pk__in=replaced).update(uploaded_at=upload.at)
        if replace is not None:
            materials.filter(pk__in=replaced).update(uploaded_at=replace.at)
        if plan.step("return"):
            materials.filter(verdict=FilingMaterial.Verdict.RETURNED).update(
                reviewed_at=plan.step("return").at)
        if plan.step("accept"):
            materials.filter(verdict=FilingMaterial.Verdict.ACCEPTED).update(
                reviewed_at=plan.step("accept").at)
        for person, member in zip(plan.staff, staff, strict=True):
            if person.left_on:
                Staff.objects.filter(pk=member.pk).update(
                    employment_status=Staff.Employment.LEFT, left_on=person.left_on)


    # inclusive status

    def recognise(self, plans: list[CentrePlan], centres: dict[str, Centre],
                  today: date, managers: dict[int, User]) -> int:
        """The district bureau recognises the centres planned as inclusive, through
        registry.inclusive, once their filing has been accepted (and not after deregistration):
        from a date a few weeks after the acceptance, on a (demo) decision document. One
        verified centre that is not inclusive (in 江阳区 when there is one) has applied: the
        demo regulator's application to answer. Returns how many were recognised."""
        done = 0
        candidates = [p for p in plans if p.state == S.VERIFIED and not p.fields["is_inclusive"]]
        applicant = min(candidates, default=None,  # 江阳区's first, else another district's
                        key=lambda p: (p.district.code != DEMO_CENTRE_REGION, plans.index(p)))
        if applicant is not None:
            inclusive.apply_inclusive(
                centre=centres[applicant.uscc], by=managers[id(applicant)],
                basis=f"现有托位{applicant.fields['approved_places']}个，愿将保育费调整至普惠限价"
                      "以内，申请认定为普惠托育机构。")
        for plan in plans:
            accepted = plan.step("accept")
            if (not plan.fields["is_inclusive"] or accepted is None
                    or plan.state not in inclusive.RECOGNISABLE_STATUSES):
                continue
            rng = random.Random(plan.uscc)  # noqa: S311 — demo data, not security
            on = min(today, accepted.at.date() + timedelta(days=rng.randint(7, 60)))
            inclusive.recognise_inclusive(
                centre=centres[plan.uscc], by=self.regulator(plan), effective_on=on,
                basis=f"泸州市{plan.district.name}卫生健康局普惠托育机构认定通知（演示文号 "
                      f"{plan.district.code}-PH-{on.year}-{rng.randint(1, 99):02d}）")
            done += 1
        return done


def date_history(plans: list[CentrePlan], today: date) -> None:
    """The change history (pghistory) the bulk inserts and updates wrote at the seed's time is
    dated at each centre's last step, the moment its rows show (the centres driven through the
    services had theirs moved step by step: luhuituo.demo.backdating)."""
    last = {p.uscc: p.steps[-1].at for p in plans}
    for label, centre_path in (("registry.FilingEvent", "centre__uscc"),
                               ("registry.CentreEvent", "uscc")):
        model = apps.get_model(label)
        events = list(model.objects.filter(
            **{f"pgh_obj__{centre_path}__in": list(last)}, pgh_created_at__date__gte=today)
            .select_related("pgh_obj__centre" if label.endswith("FilingEvent") else "pgh_obj"))
        for event in events:
            centre = event.pgh_obj.centre if label.endswith("FilingEvent") else event.pgh_obj
            event.pgh_created_at = last[centre.uscc]
        model.objects.bulk_update(events, ["pgh_created_at"], batch_size=500)


def identity(items: Iterable, desc: str):
    return items


@transaction.atomic
def seed_centres(count: int = DEFAULT_CENTRES, *, progress: Callable = identity) -> dict:
    """Create the ``count`` generated demo centres that do not exist yet (by credit code or
    name). ``progress(items, desc)`` wraps the loops (a tqdm bar in the command). Returns
    {"created": n, "skipped": n, "states": Counter, "via_services": n}."""
    now = timezone.now()
    today = timezone.localdate(now)
    calendar = WorkingDayCalendar(today - timedelta(days=HISTORY_DAYS + 60),
                                  today + timedelta(days=60))
    with quiet_calendar():
        _demo, plans = build_plans(count, today=today, calendar=calendar)
        existing_codes = set(Centre.objects.filter(uscc__in=[p.uscc for p in plans])
                             .values_list("uscc", flat=True))
        existing_names = set(Centre.objects.filter(name__in=[p.name for p in plans])
                             .values_list("name", flat=True))
        new = [p for p in plans if p.uscc not in existing_codes and p.name not in existing_names]
        writer = Writer(calendar=calendar)
        issue_filing_numbers(new, writer.regions)
        managers = writer.managers(new)
        via_services = [p for p in new if p.via_services]
        for plan in progress(via_services, "demo centres (services)"):
            writer.write_through_services(plan, managers[id(plan)])
        writer.write_direct([p for p in new if not p.via_services], managers, progress)
        writer.flush_events()
        centres = list(Centre.objects.filter(uscc__in=[p.uscc for p in new])
                       .select_related("region"))
        recognised = writer.recognise(new, {c.uscc: c for c in centres}, today, managers)
        centres = list(Centre.objects.filter(uscc__in=[p.uscc for p in new]))
        last_moment = {p.uscc: p.steps[-1].at for p in new}
        for centre in centres:
            centre.updated_at = last_moment[centre.uscc]
        Centre.objects.bulk_update(centres, ["updated_at"], batch_size=500)
        date_history(new, today)
    return {"created": len(new), "skipped": len(plans) - len(new),
            "states": Counter(p.state for p in new), "via_services": len(via_services),
            "inclusive": recognised}


@transaction.atomic
def complete_demo_centre(centre: Centre, *, manager: User, carer: User) -> list[str]:
    """Give the demo centre complete details, classes, staff, fees and uploaded materials,
    leaving its filing a draft for the demo manager to submit. Only what is still missing is
    added, and nothing once the filing has left the draft; returns what was added."""
    today = timezone.localdate()
    calendar = WorkingDayCalendar(today)
    with quiet_calendar():
        plan, _plans = build_plans(0, today=today, calendar=calendar)
    filing, _created = Filing.objects.get_or_create(centre=centre)
    if filing.status != S.DRAFT:
        return []
    added = []
    now = timezone.now()
    if not centre.uscc and not Centre.objects.filter(uscc=plan.uscc).exists():
        Centre.objects.filter(pk=centre.pk).update(  # inclusive once filed and recognised
            uscc=plan.uscc, updated_at=now, **{**plan.fields, "is_inclusive": False})
        centre.refresh_from_db()
        added.append("details")
    writer = Writer(calendar=calendar)
    if not centre.classes.exists():
        ClassGroup.objects.bulk_create(
            ClassGroup(centre=centre, name=name, class_type=class_type, capacity=size,
                       room=room) for name, class_type, size, room in plan.classes)
        added.append("classes")
    if not centre.staff.exists():
        staff, trainings = writer.staff_objects(plan, centre, manager, now)
        for person, member in zip(plan.staff, staff, strict=True):
            if person.name == "刘芳" and person.role == Staff.Role.CARER:
                member.user = carer
        Staff.objects.bulk_create(staff)
        StaffTrainingRecord.objects.bulk_create(trainings)
        added.append("staff")
    if not centre.fee_schedules.exists():
        FeeSchedule.objects.create(centre=centre, effective_from=today.replace(day=1),
                                   **plan.fees)
        added.append("fees")
    if not filing.materials.exists():
        items = {m.kind: m for m in plan.materials if m.staff is None}
        for i, (kind, member) in enumerate(required_material_kinds(centre)):
            item = items.get(kind) or MaterialPlan(kind, None, f"{kind}.pdf")
            if member is not None:
                item = MaterialPlan(kind, None, f"{member.name}-资格证及健康证.pdf",
                                    valid_until=member.health_cert_valid_until)
            upload_file = pdf(plan, i, item)
            services.upload_material(
                filing=filing, by=manager, kind=kind, uploaded=upload_file,
                checked=check_upload(upload_file), staff=member, issuer=item.issuer,
                number=item.number, valid_until=item.valid_until)
        added.append("materials")
    return added
