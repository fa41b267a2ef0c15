"""Processed-data frames that follow the contract, for tests of charts, commentary and notebooks.

The rows mirror ``data/raw/`` as ``wuwei clean`` turns them into
``indicators``, ``measures`` and ``sources``. Tests change a copy (a figure, a
name) and write it with :func:`write_processed`; :func:`bundled_processed`
writes what the real cleaner produces from the bundled data.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SOURCE_ID = "wuwei_minsheng_2025"
SOURCE_TITLE = "厚植民生底色 绘就幸福图景 —2025年武威市民生事业高质量发展综述"
SOURCE_FILE = "000_8cc33e0044cfc9fd.txt"  # under data/sources/
NAN = float("nan")

CITY = ("620600", "武威市", "Wuwei City")
URBAN_AREA = ("620600", "武威城区", "Wuwei urban area")
XINMIN = ("620622", "古浪县新堡乡兴民新村", "Xingmin New Village, Xinbao Township, Gulang County")
YANGGUANG = ("620622", "古浪县西靖镇阳光新村", "Yangguang New Village, Xijing Town, Gulang County")
WUNAN = ("620602", "凉州区武南镇", "Wunan Town, Liangzhou District")
XINYUAN = ("620602", "凉州区大新社区新苑小区", "Xinyuan Compound, Daxin Community, Liangzhou District")

UNITS = {
    "persons": ("人", "persons"),
    "institutions": ("所", "institutions"),
    "households": ("户", "households"),
    "buildings": ("栋", "buildings"),
    "compounds": ("个", "compounds"),
    "projects": ("项", "projects"),
    "activities": ("项", "activities"),
    "medical_communities": ("个", "medical communities"),
    "centres": ("个", "centres"),
    "homes": ("个", "homes"),
    "platforms": ("个", "platforms"),
    "parks": ("个", "parks"),
    "percent": ("%", "percent"),
    "m2_per_person": ("平方米/人", "m² per person"),
    "ratio": ("比值", "ratio"),
    "years_of_age": ("岁", "years of age"),
}

# theme, indicator_id, name_zh, name_en, region, value, value_high, unit, qualifier, status,
# value_as_written, quote, source_file, source_line
_INDICATORS = [
    ("education", "education_inclusive_private_kindergartens", "认定普惠性民办幼儿园",
     "Private kindergartens certified as inclusive (affordable)", CITY, 73, NAN, "institutions", "exact",
     "achieved", "73所", "认定普惠性民办幼儿园73所", "education.csv", 2),
    ("education", "education_kindergartens_toddler_care", "开展托管服务的幼儿园",
     "Kindergartens offering care for toddlers aged 2–3", CITY, 65, NAN, "institutions", "exact",
     "achieved", "65所", "65所幼儿园开展2至3岁幼儿托管服务", "education.csv", 3),
    ("education", "education_toddler_care_age", "托管服务幼儿年龄", "Age of toddlers in kindergarten care",
     CITY, 2, 3, "years_of_age", "range", "unstated", "2至3岁", "65所幼儿园开展2至3岁幼儿托管服务",
     "education.csv", 4),
    ("education", "education_toddlers_in_care", "享受托管照料的幼儿", "Toddlers in kindergarten care", CITY,
     372, NAN, "persons", "exact", "achieved", "372名", "372名幼儿享受到贴心照料", "education.csv", 5),
    ("education", "education_strong_foundation_students", "参加“强基计划”招生选拔的学生",
     "Students in the Strong Foundation Plan selection", CITY, 387, NAN, "persons", "exact", "achieved",
     "387名", "387名学生参加“强基计划”招生选拔", "education.csv", 6),
    ("education", "education_school_projects", "办学条件建设项目", "School building and livelihood projects",
     CITY, 143, NAN, "projects", "exact", "unstated", "143项", "“建宿舍、扩食堂、固校舍”等建设项目143项",
     "education.csv", 7),
    ("elderly_care", "elderly_care_institutions", "养老机构", "Elderly care institutions", CITY, 23, NAN,
     "institutions", "exact", "achieved", "23所", "建成23所养老机构", "elderly_care.csv", 2),
    ("elderly_care", "elderly_care_township_centres", "乡镇（街道）综合养老服务",
     "Township (sub-district) comprehensive elderly care services", CITY, 35, NAN, "centres", "exact",
     "achieved", "35个", "35个乡镇（街道）综合养老服务", "elderly_care.csv", 3),
    ("elderly_care", "elderly_care_village_homes", "村级互助幸福院", "Village mutual-aid happiness homes", CITY,
     60, NAN, "homes", "exact", "achieved", "60个", "60个村级互助幸福院", "elderly_care.csv", 4),
    ("elderly_care", "elderly_care_smart_platforms", "市、县两级智慧养老平台",
     "Smart elderly care platforms (city and county)", CITY, 5, NAN, "platforms", "exact", "achieved", "5个",
     "建成市、县两级智慧养老平台5个", "elderly_care.csv", 5),
    ("elderly_care", "elderly_care_village_people_served", "村综合养老服务对象（老人及重度残疾人等）",
     "Older and severely disabled people the village service can serve", XINMIN, 1000, NAN, "persons",
     "more_than", "unstated", "1000多名", "村里的1000多名老人及重度残疾人", "elderly_care.csv", 6),
    ("health", "health_primary_care_activities", "基层医疗卫生服务能力提升活动",
     "Activities to raise primary health-care capacity", CITY, 8, NAN, "activities", "exact", "unstated",
     "八项", "实施基层医疗卫生服务能力提升“八项活动”", "health.csv", 2),
    ("health", "health_trained_clinicians", "远程培训临床医师", "Clinicians trained remotely", CITY, 848, NAN,
     "persons", "exact", "achieved", "848人", "远程培训临床医师848人", "health.csv", 3),
    ("health", "health_trained_nurses", "远程培训护理人员", "Nurses trained remotely", CITY, 985, NAN,
     "persons", "exact", "achieved", "985人", "护理人员985人", "health.csv", 4),
    ("health", "health_trained_village_doctors", "远程培训乡村医生", "Village doctors trained remotely", CITY,
     1437, NAN, "persons", "exact", "achieved", "1437人", "乡村医生1437人", "health.csv", 5),
    ("health", "health_medical_communities", "组建紧密型县域医共体", "County medical communities formed", CITY,
     8, NAN, "medical_communities", "exact", "achieved", "8个", "组建医共体8个", "health.csv", 6),
    ("health", "health_communities_county_institutions", "医共体覆盖县级医疗机构",
     "County-level medical institutions covered by the communities", CITY, 15, NAN, "institutions", "exact",
     "achieved", "15家", "覆盖15家县级医疗机构", "health.csv", 7),
    ("health", "health_communities_township_centres", "医共体覆盖乡镇卫生院和社区卫生服务中心",
     "Township health centres and community health service centres covered", CITY, 109, NAN, "institutions",
     "exact", "achieved", "109家", "109家乡镇卫生院和社区卫生", "health.csv", 8),
    ("urban", "urban_old_compounds_planned", "计划改造城镇老旧小区", "Old urban compounds planned for renovation",
     CITY, 49, NAN, "compounds", "exact", "planned", "49个", "计划实施城镇老旧小区改造49个233栋9964户",
     "urban.csv", 2),
    ("urban", "urban_old_buildings_planned", "计划改造楼栋", "Buildings in the renovation plan", CITY, 233, NAN,
     "buildings", "exact", "planned", "233栋", "计划实施城镇老旧小区改造49个233栋9964户", "urban.csv", 3),
    ("urban", "urban_old_households_planned", "计划改造惠及住户", "Households in the renovation plan", CITY, 9964,
     NAN, "households", "exact", "planned", "9964户", "计划实施城镇老旧小区改造49个233栋9964户", "urban.csv", 4),
    ("urban", "urban_renovation_progress", "老旧小区改造已完成工程量", "Share of renovation works completed", CITY,
     70, NAN, "percent", "exact", "in_progress", "70%", "已完成总工程量的70%", "urban.csv", 5),
    ("urban", "urban_pocket_parks", "城区累计新建城市小游园", "Pocket parks built in the urban area", URBAN_AREA,
     46, NAN, "parks", "exact", "cumulative", "46个", "累计新建46个城市小游园", "urban.csv", 6),
    ("urban", "urban_park_area_per_person", "人均公园面积", "Park area per person", URBAN_AREA, 13.24, NAN,
     "m2_per_person", "exact", "achieved", "13.24平方米", "人均公园面积达13.24平方米", "urban.csv", 7),
    ("urban", "urban_parking_ratio", "小型客车保有量与停车泊位比值（1:x）", "Parking spaces per small passenger car (1:x)",
     CITY, 1.22, NAN, "ratio", "exact", "achieved", "1:1.22", "小型客车保有量和停车泊位比值达1:1.22", "urban.csv", 8),
]  # fmt: skip

# theme, region, name_zh, name_en, description_zh, description_en, quote
_MEASURES = [
    ("employment", CITY, "就业直播大篷车", "Employment livestream caravan", "人社部门把招聘直播和政策宣传带进企业和广场。",
     "The human-resources bureau takes livestreamed recruitment and policy outreach to firms and public squares.",
     "人社部门举办的就业直播大篷车活动"),
    ("employment", CITY, "“武威就业”直播带岗", '"Wuwei Jobs" livestream job matching',
     "通过线上直播发布岗位，帮助返乡求职者找到工作。",
     "Jobs are posted in online livestreams; returning job seekers are matched to employers.", "通过线上直播带岗找到工作"),
    ("employment", CITY, "帮扶车间", "Assistance workshops", "帮扶车间吸纳就业、带动增收。",
     "Assistance workshops provide local jobs and income.", "帮扶车间的就业增收"),
    ("social_security", CITY, "灵活就业人员参保", "Pension insurance for flexibly employed people",
     "个体经营等灵活就业人员按政策缴纳养老保险。",
     "Self-employed and other flexibly employed people pay into pension insurance under the policy for them.",
     "按灵活就业人员缴纳了社保"),
    ("social_security", CITY, "企业社保业务集中经办", "Enterprise social insurance handled centrally",
     "为企业职工集中办理社保和退休手续，减少办事难题。",
     "Employers' social insurance and staff retirement procedures are handled centrally to remove obstacles.",
     "从个人自主参保到企业集中经办"),
    ("education", CITY, "义务教育“增学位”工程", 'Compulsory education "more school places" programme',
     "加大城区义务教育学位供给。", "More compulsory-education places in the urban districts.", "大力实施义务教育“增学位”工程"),
    ("health", CITY, "紧密型县域医共体建设", "Integrated county medical communities", "加快建设紧密型县域医疗卫生共同体。",
     "County hospitals and township health centres are joined in integrated medical communities.", "加快紧密型县域医共体建设"),
    ("health", WUNAN, "乡镇卫生院远程会诊", "Remote consultation at the township health centre",
     "武南镇中心卫生院通过视频与上级医院专家会诊。",
     "Wunan Town's central health centre holds video consultations with specialists at higher-level hospitals.",
     "武南镇中心卫生院的远程会诊室"),
    ("health", YANGGUANG, "村医上门服务", "Village doctors' home visits", "村医上门为村民测量血压。",
     "Village doctors visit homes to check villagers' blood pressure.", "村医上门为村民测量血压"),
    ("elderly_care", CITY, "立体化养老服务网络", "Layered elderly care network",
     "构建“智能化居家养老+综合服务中心+互助幸福院”服务网络。",
     "A network of smart home-based care, comprehensive service centres and mutual-aid homes.",
     "构建起“智能化居家养老+综合服务中心+互助幸福院”"),
    ("elderly_care", XINMIN, "村级综合养老服务（助餐、日间照料）", "Village elderly services: meals and day care",
     "为村里老人及重度残疾人等困难群体提供助餐、日间照料。",
     "Meals and day care for older, severely disabled and other vulnerable villagers.", "提供助餐、日间照料等优质养老服务"),
    ("urban", XINYUAN, "老旧小区改造（新苑小区）", "Old-compound renovation (Xinyuan Compound)",
     "改造消防通道、生态停车位、雨污管网、燃气安防等，新建门球场。",
     "Fire lanes, eco parking, storm and sewage pipes and gas safety renovated; a gateball court added.",
     "重点推进消防通道、生态停车位、雨污管网、燃气安防等项目"),
    ("urban", CITY, "城市“口袋公园”", 'City "pocket parks"', "利用楼前楼后、裸露地、边角地等闲置地建设口袋公园。",
     "Idle plots between and behind buildings become small public parks.", "建设城市“口袋公园”"),
]  # fmt: skip

INDICATOR_COLUMNS = [
    "theme", "indicator_id", "name_zh", "name_en", "region_code", "region_zh", "region_en", "year", "value",
    "value_high", "unit", "unit_zh", "unit_en", "qualifier", "status", "value_as_written", "source_id", "quote",
    "source_file", "source_line",
]  # fmt: skip
MEASURE_COLUMNS = [
    "theme", "region_code", "region_zh", "region_en", "name_zh", "name_en", "description_zh", "description_en",
    "source_id", "quote",
]  # fmt: skip
SOURCE_COLUMNS = ["source_id", "title", "authors", "year", "kind", "language", "file", "sha256"]

# Names that must come out inert wherever a report shows them.
PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "<script>alert(1)</script>",
)


def indicators() -> pd.DataFrame:
    """The bundled figures as a contract-conforming ``indicators`` frame."""
    rows = []
    for theme, ind, name_zh, name_en, (
        code,
        rzh,
        ren,
    ), value, high, unit, qual, status, written, quote, f, line in _INDICATORS:
        unit_zh, unit_en = UNITS[unit]
        rows.append(
            [theme, ind, name_zh, name_en, code, rzh, ren, 2025, float(value), float(high), unit, unit_zh,
             unit_en, qual, status, written, SOURCE_ID, quote, f, line]
        )  # fmt: skip
    frame = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    return frame.astype(
        {"year": "int64", "value": "float64", "value_high": "float64", "source_line": "int64"}
    )


def measures() -> pd.DataFrame:
    """The bundled named measures (a subset of data/raw/measures.csv) as a ``measures`` frame."""
    rows = [
        [theme, code, rzh, ren, name_zh, name_en, desc_zh, desc_en, SOURCE_ID, quote]
        for theme, (code, rzh, ren), name_zh, name_en, desc_zh, desc_en, quote in _MEASURES
    ]
    return pd.DataFrame(rows, columns=MEASURE_COLUMNS)


def sources() -> pd.DataFrame:
    """The one bundled source."""
    row = [SOURCE_ID, SOURCE_TITLE, "金奉乾 包雨纯", 2025, "newspaper overview", "zh", SOURCE_FILE,
           "bd681d9d3e16dc9cfb2dbf4abf284caec1501b39612b76b60b821001266d05d7"]  # fmt: skip
    return pd.DataFrame([row], columns=SOURCE_COLUMNS)


def with_payload_names(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose names, places and descriptions are markup and link payloads (cycled by row)."""
    frame = frame.copy()
    text_columns = [
        c
        for c in ("name_zh", "name_en", "region_zh", "region_en", "description_zh", "description_en")
        if c in frame
    ]
    for i, column in enumerate(text_columns):
        values = [PAYLOADS[(i + j) % len(PAYLOADS)] + f" {j}" for j in range(len(frame))]
        frame[column] = values
    return frame


def write_processed(
    out_dir: Path,
    indicators: pd.DataFrame | None = None,
    measures: pd.DataFrame | None = None,
    sources: pd.DataFrame | None = None,
) -> Path:
    """Write the three processed tables as parquet into ``out_dir`` (defaults: the bundled rows)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = {
        "indicators": indicators if indicators is not None else globals()["indicators"](),
        "measures": measures if measures is not None else globals()["measures"](),
        "sources": sources if sources is not None else globals()["sources"](),
    }
    for name, frame in tables.items():
        frame.reset_index(drop=True).to_parquet(out_dir / f"{name}.parquet", index=False)
    return out_dir


def bundled_processed(out_dir: Path) -> tuple[Path, str]:
    """Processed tables of the bundled raw data in ``out_dir``: from the real cleaner when it
    imports, else from this module's rows. Returns the folder and which one made it."""
    try:
        from wuwei_analysis.tables import clean
    except ImportError:
        return write_processed(out_dir), "fixture"
    from wuwei_analysis import config

    clean.clean(config.RAW_DATA_DIR, Path(out_dir))
    return Path(out_dir), "clean"


def replace_value(frame: pd.DataFrame, indicator_id: str, value: float) -> pd.DataFrame:
    """A copy of ``indicators`` with one figure changed."""
    frame = frame.copy()
    mask = frame["indicator_id"] == indicator_id
    assert mask.sum() == 1, indicator_id
    frame.loc[mask, "value"] = float(value)
    frame.loc[mask, "value_as_written"] = str(value)
    return frame


# What previous_build() changes: the previous build had 900 nurses, had no parking ratio yet,
# and had one education figure since removed.
CHANGED_ID, CHANGED_OLD = "health_trained_nurses", 900.0
NEW_ID = "urban_parking_ratio"
REMOVED_ID, REMOVED_ZH, REMOVED_EN = "education_old_canteens", "旧食堂改造", "Old canteens renovated"


def previous_build(indicators: pd.DataFrame) -> pd.DataFrame:
    """The current figures as an earlier build had them: one value differs, one is missing, one extra."""
    previous = replace_value(indicators, CHANGED_ID, CHANGED_OLD)
    previous = previous[previous["indicator_id"] != NEW_ID]
    extra = previous[previous["theme"] == "education"].iloc[[0]].assign(
        indicator_id=REMOVED_ID, name_zh=REMOVED_ZH, name_en=REMOVED_EN, value=12.0, unit="projects",
        qualifier="exact", value_as_written="12项",
    )  # fmt: skip
    return pd.concat([previous, extra], ignore_index=True)


def write_previous(out_dir: Path, processed_dir: Path) -> Path:
    """A previous build's processed folder beside ``processed_dir`` (see :func:`previous_build`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    previous_build(pd.read_parquet(Path(processed_dir) / "indicators.parquet")).to_parquet(
        out_dir / "indicators.parquet", index=False
    )
    return out_dir
