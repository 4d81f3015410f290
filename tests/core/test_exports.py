"""CSV exports (luhuituo.core.exports): UTF-8 with a byte-order mark, cells that a spreadsheet
would run as a formula kept as text, times in Asia/Shanghai, the row count for the audit."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from luhuituo.core.exports import csv_response, spreadsheet_safe


def test_formula_text_is_quoted_and_other_cells_kept():
    for text in ("=1+1", "+86", "-3", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_safe(text) == "'" + text
    assert spreadsheet_safe("江阳区=1") == "江阳区=1"
    assert spreadsheet_safe(12) == 12 and spreadsheet_safe(None) == ""
    assert spreadsheet_safe(dt.date(2026, 12, 3)) == "2026-12-03"
    utc = dt.datetime(2026, 12, 3, 16, 30, tzinfo=dt.UTC)
    assert spreadsheet_safe(utc) == "2026-12-04 00:30"  # Asia/Shanghai
    local = dt.datetime(2026, 12, 3, 9, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert spreadsheet_safe(local.replace(tzinfo=None)) == "2026-12-03 09:05"


def test_the_response_is_a_utf8_csv_download_with_its_row_count():
    response, count = csv_response(["机构", "分数"], iter([["=HYPERLINK(1)", 9], ["阳光", None]]),
                                   "导出.csv")
    assert count == 2
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(body[1:]))) == [
        ["机构", "分数"], ["'=HYPERLINK(1)", "9"], ["阳光", ""]]
