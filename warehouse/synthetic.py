"""Deterministic, realistic synthetic ``Report`` objects for tests, benchmarks and demos.

Shapes follow the national templates (REPORT_FORMATS): 14–19 table 二 numbers, 28–30 table 三
rows that balance (一 + 二 = 三(七) + 四), the 15 table 四 numbers, and last year's row 四 carried
into this year's row 二 for the same publisher (unless ``break_carry_over`` is set).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime

from parsing.models import (
    APPLICANT_COLUMNS,
    OUTCOMES,
    PROCEEDINGS,
    ActiveDisclosure,
    ApplicationRow,
    Report,
    ReviewLitigation,
    SpamRemoval,
    ValidationIssue,
)

_COUNTIES = ["合阳县", "澄城县", "蒲城县", "白水县", "富平县", "大荔县", "华阴市", "韩城市"]
_BODIES = ["人民政府", "人民政府办公室", "教育局", "卫生健康局", "自然资源局", "市场监督管理局"]
_RESULT_ROWS = [
    ("3.1", "予以公开"),
    ("3.2", "部分公开"),
    *[
        (f"3.3.{i}", label)
        for i, label in enumerate(
            [
                "属于国家秘密",
                "其他法律行政法规禁止公开",
                "危及“三安全一稳定”",
                "保护第三方合法权益",
                "属于三类内部事务信息",
                "属于四类过程性信息",
                "属于行政执法案卷",
                "属于行政查询事项",
            ],
            1,
        )
    ],
    ("3.4.1", "本机关不掌握相关政府信息"),
    ("3.4.2", "没有现成信息需要另行制作"),
    ("3.4.3", "补正后申请内容仍不明确"),
    ("3.5.1", "信访举报投诉类申请"),
    ("3.5.2", "重复申请"),
    ("3.5.3", "要求提供公开出版物"),
    ("3.5.4", "无正当理由大量反复申请"),
    ("3.5.5", "要求行政机关确认或重新出具已获取信息"),
]
_OTHER_2019 = [("3.6", "其他处理")]
_OTHER_2021 = [
    ("3.6.1", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("3.6.2", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("3.6.3", "其他"),
]
_AD_2019 = [
    ("20.1", "规章", ("new_made", "new_published", "total_published"), "件"),
    ("20.1", "规范性文件", ("new_made", "new_published", "total_published"), "件"),
    ("20.5", "行政许可", ("prev_count", "change", "decisions"), "项"),
    ("20.5", "其他对外管理服务事项", ("prev_count", "change", "decisions"), "项"),
    ("20.6", "行政处罚", ("prev_count", "change", "decisions"), "项"),
    ("20.6", "行政强制", ("prev_count", "change"), "项"),
    ("20.8", "行政事业性收费", ("prev_count", "change"), "项"),
    ("20.9", "政府集中采购", ("purchase_count", "purchase_amount"), "万元"),
]
_AD_2021 = [
    ("20.1", "规章", ("made", "repealed", "in_force"), "件"),
    ("20.1", "行政规范性文件", ("made", "repealed", "in_force"), "件"),
    ("20.5", "行政许可", ("decisions",), "件"),
    ("20.6", "行政处罚", ("decisions",), "件"),
    ("20.6", "行政强制", ("decisions",), "件"),
    ("20.8", "行政事业性收费", ("fee_amount",), "万元"),
]


def publisher_name(index: int) -> str:
    """A realistic issuing body name, unique per index."""
    county = _COUNTIES[index % len(_COUNTIES)]
    body = _BODIES[(index // len(_COUNTIES)) % len(_BODIES)]
    batch = index // (len(_COUNTIES) * len(_BODIES))
    return f"{county}{body}" + (f"（第{batch}组）" if batch else "")


def _active(rng: random.Random, template: str) -> list[ActiveDisclosure]:
    rows = []
    for article, item, metrics, unit in _AD_2019 if template == "2019" else _AD_2021:
        for metric in metrics:
            if metric == "change":
                value = float(rng.randint(-20, 80))
            elif metric in ("purchase_amount", "fee_amount"):
                value = round(rng.uniform(0, 5000), 2)
            else:
                value = float(rng.randint(0, 400))
            rows.append(
                ActiveDisclosure(
                    article=article,
                    item=item,
                    metric=metric,
                    value=value,
                    unit=unit if "amount" in metric else None,
                )
            )
    return rows


def _row(code: str, label: str, counts: list[int | None]) -> ApplicationRow:
    return ApplicationRow(
        row_code=code, row_label=label, **dict(zip(APPLICANT_COLUMNS, counts, strict=True))
    )


def _applications(rng: random.Random, template: str, carried: list[int]) -> list[ApplicationRow]:
    """Rows 1, 2, 3.x, 3.7 and 4 balancing per column; ``carried`` is row 2 (6 columns)."""
    others = _OTHER_2019 if template == "2019" else _OTHER_2021
    results = _RESULT_ROWS + others
    new = [rng.randint(0, 60) for _ in range(6)]
    per_result: list[list[int]] = [[0] * 6 for _ in results]
    forward = [0] * 6
    for col in range(6):
        for _ in range(new[col] + carried[col]):
            if rng.random() < 0.08:
                forward[col] += 1
            else:
                per_result[min(int(rng.expovariate(0.35)), len(results) - 1)][col] += 1

    def with_total(values: list[int]) -> list[int | None]:
        return [*values, sum(values)]

    rows = [
        _row("1", "本年新收政府信息公开申请数量", with_total(new)),
        _row("2", "上年结转政府信息公开申请数量", with_total(carried)),
    ]
    rows += [_row(c, lab, with_total(v)) for (c, lab), v in zip(results, per_result, strict=True)]
    total = [sum(v[col] for v in per_result) for col in range(6)]
    rows.append(_row("3.7", "总计", with_total(total)))
    rows.append(_row("4", "结转下年度继续办理", with_total(forward)))
    return rows


def _review(rng: random.Random) -> list[ReviewLitigation]:
    out = []
    for proceeding in PROCEEDINGS:
        parts = [rng.randint(0, 4) for _ in OUTCOMES[:-1]]
        for outcome, value in zip(OUTCOMES, [*parts, sum(parts)], strict=True):
            out.append(ReviewLitigation(proceeding=proceeding, outcome=outcome, value=value))
    return out


def make_report(
    publisher_index: int,
    year: int,
    *,
    seed: int = 0,
    carried: list[int] | None = None,
    version: int = 0,
    break_carry_over: bool = False,
) -> Report:
    """One report; ``version`` varies the content while keeping the same ``report_id``."""
    rng = random.Random(f"{seed}-{publisher_index}-{year}-{version}")
    template = "2019" if year < 2021 else "2021"
    publisher = publisher_name(publisher_index)
    url = f"http://www.heyang.gov.cn/zwgk/xxgk/ndbg/{year}/p{publisher_index:05d}.html"
    carried = list(carried) if carried is not None else [rng.randint(0, 3) for _ in range(6)]
    if break_carry_over:
        carried[0] += 1
    spam = rng.random() < 0.15
    quarantine = spam and rng.random() < 0.2
    issues = []
    if rng.random() < 0.1:
        issues.append(
            ValidationIssue(
                rule="applications.row_total",
                severity="error",
                message="合计与各列之和不符",
                expected="12",
                actual="13",
            )
        )
    removals = []
    if spam:
        removals = [
            SpamRemoval(
                location="section:一", removed_text="澳门新葡京娱乐场官网入口", detector="keyword"
            )
        ]
    return Report(
        report_id=hashlib.sha256(url.encode()).hexdigest()[:20],
        year=year,
        publisher=publisher,
        region_code=f"6105{publisher_index % 100:02d}",
        site=f"site-{publisher_index % 7}",
        source_url=url,
        title=f"{publisher}{year}年政府信息公开工作年度报告",
        template=template,
        format="html" if publisher_index % 3 else "pdf",
        published_date=date(year + 1, 1, 1 + publisher_index % 28),
        fetched_at=datetime(2026, 11, 20, 3, publisher_index % 60, tzinfo=UTC),
        content_sha256=hashlib.sha256(f"{url}-{version}".encode()).hexdigest(),
        archive_uri=f"archive/xxgk-20261120.warc.gz#offset={publisher_index * 4096}",
        parser_version=f"0.1.{version}",
        spam_detected=spam,
        spam_chars_removed=12 if spam else 0,
        spam_verdict="quarantine" if quarantine else ("cleaned" if spam else "clean"),
        validation_status="invalid" if issues else "valid",
        text_overall=f"{year}年，{publisher}认真贯彻落实《中华人民共和国政府信息公开条例》。",
        text_problems="主动公开的深度和广度有待提升。",
        text_other=None if version % 2 else "本年度未收取信息处理费。",
        active_disclosure=_active(rng, template),
        applications=_applications(rng, template, carried),
        review_litigation=_review(rng),
        validation_issues=issues,
        spam_removals=removals,
    )


def generate_reports(
    publishers: int, years: range = range(2019, 2026), *, seed: int = 0, version: int = 0
) -> Iterator[Report]:
    """``publishers × len(years)`` reports, carry-over consistent within each publisher."""
    for index in range(publishers):
        carried: list[int] | None = None
        for year in years:
            report = make_report(index, year, seed=seed, carried=carried, version=version)
            row4 = report.application("4")
            carried = [v or 0 for v in row4.values()[:6]] if row4 else None
            yield report
