"""Field extraction from OCR lines (no OCR here: lines are scripted as the engine returns them)."""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.kyc.fields import ExtractedFields, extract_fields
from chalicelib.kyc.idnumber import make_id_number
from chalicelib.kyc.memory import line

ID = make_id_number("330106", dt.date(1988, 7, 9), 246)


def front_lines_split() -> list:
    """Labels and values in separate boxes, the ID number before its label (as RapidOCR sorts)."""
    return [
        line("姓名", 80, 70),
        line("张三", 205, 66, h=40),
        line("性别", 80, 150),
        line("男", 205, 148),
        line("民族", 310, 150),
        line("汉", 420, 148),
        line("出生", 80, 228),
        line("1988", 205, 226),
        line("年", 315, 228),
        line("7", 370, 226),
        line("月", 420, 228),
        line("9", 470, 226),
        line("日", 525, 228),
        line("住址", 80, 306),
        line("浙江省杭州市西湖区文三路", 205, 304),
        line("100号5栋2单元301室", 205, 364),
        line(ID, 350, 524, h=40),
        line("公民身份号码", 80, 534),
    ]


def test_split_labels_and_values_are_joined_by_row() -> None:
    fields = extract_fields(front_lines_split())
    assert fields.name == "张三"
    assert fields.sex == "男"
    assert fields.ethnicity == "汉"
    assert fields.birth_date == dt.date(1988, 7, 9)
    assert fields.address == "浙江省杭州市西湖区文三路100号5栋2单元301室"
    assert fields.id_number == ID
    assert fields.name_confidence > 0.9 and fields.id_confidence > 0.9


def test_labels_fused_with_values_and_spaced_labels() -> None:
    fields = extract_fields(
        [
            line("姓 名 李 四", 80, 70),
            line("性别女 民族 蒙古", 80, 150),
            line("出生1995年12月31日", 80, 228),
            line("住址北京市朝阳区建国路8号", 80, 306),
            line("公民身份号码 " + ID, 80, 530),
        ]
    )
    assert (fields.name, fields.sex, fields.ethnicity) == ("李四", "女", "蒙古")
    assert fields.birth_date == dt.date(1995, 12, 31)
    assert fields.address == "北京市朝阳区建国路8号"
    assert fields.id_number == ID


@pytest.mark.parametrize(
    "name_row,address_row,name,address",
    [
        # RapidOCR read two test cards' name rows so (the card prints nothing between)
        ("姓名:许英志", "住址：北京市朝阳区建国路8号", "许英志", "北京市朝阳区建国路8号"),
        ("姓名1杨军华", "住址1北京市", "杨军华", "北京市"),
        ("姓名 . 张三", "住址·浙江省杭州市", "张三", "浙江省杭州市"),
        ("姓名:阿依古丽·买买提", "住址北京市", "阿依古丽·买买提", "北京市"),  # the dot inside stays
    ],
)
def test_a_separator_misread_between_label_and_value_is_not_part_of_the_value(
    name_row: str, address_row: str, name: str, address: str
) -> None:
    fields = extract_fields([line(name_row, 80, 70), line(address_row, 80, 306)])
    assert (fields.name, fields.address) == (name, address)


def test_what_ocr_read_in_the_gap_fused_to_the_label_box_is_not_the_value() -> None:
    # RapidOCR's boxes for three test cards' name rows: the label's box took the gap, misread
    for label_box, conf in (("姓名：", 0.814), ("姓名1", 0.813), ("姓名日", 0.824)):
        fields = extract_fields(
            [line(label_box, 103, 85, confidence=conf), line("田梅", 186, 87, confidence=0.99)]
        )
        assert (fields.name, fields.name_confidence) == ("田梅", 0.99)
    # a label split over two boxes, and a label and value in one box, read as before
    assert extract_fields(
        [line("姓", 80, 70), line("名", 120, 70), line("张三", 205, 70)]
    ).name == ("张三")
    assert extract_fields([line("姓名张三", 80, 70)]).name == "张三"


def test_ocr_confusions_in_the_id_number_are_repaired() -> None:
    with_x = next(
        n for s in range(999) if (n := make_id_number("110105", dt.date(1990, 1, 2), s))[-1] == "X"
    )
    misread = with_x[:-1].replace("0", "O").replace("1", "l", 1).replace("1", "I", 1) + "x"
    fields = extract_fields(
        [line("姓名王五", 80, 70), line("公民身份号码", 80, 530), line(misread, 350, 524)]
    )
    assert fields.id_number == with_x


def test_a_number_passing_the_check_digit_wins_over_another_digit_run() -> None:
    wrong = ID[:-1] + ("1" if ID[-1] != "1" else "2")
    fields = extract_fields([line("住址某路" + wrong, 80, 306), line("公民身份号码" + ID, 80, 530)])
    assert fields.id_number == ID


def test_a_misread_number_is_still_returned_so_the_decision_can_say_why() -> None:
    wrong = ID[:-1] + ("1" if ID[-1] != "1" else "2")
    assert extract_fields([line("公民身份号码" + wrong, 80, 530)]).id_number == wrong


def test_back_side_validity_period() -> None:
    fields = extract_fields(
        [
            line("中华人民共和国", 300, 80),
            line("居民身份证", 300, 180),
            line("签发机关", 150, 450),
            line("杭州市公安局西湖分局", 370, 450),
            line("有效期限", 150, 530),
            line("2016.03.01-2026.03.01", 370, 530),
        ]
    )
    assert fields.valid_from == dt.date(2016, 3, 1)
    assert fields.valid_until == dt.date(2026, 3, 1)
    assert not fields.long_term and fields.name is None and fields.id_number is None


def test_long_term_validity() -> None:
    fields = extract_fields([line("有效期限2010.01.05-长期", 150, 530)])
    assert fields.long_term and fields.valid_until is None and fields.has_validity


def test_front_and_back_merge() -> None:
    front = extract_fields(front_lines_split())
    back = extract_fields([line("有效期限2016.03.01-2036.03.01", 150, 530)])
    both = front.merged(back)
    assert both.name == "张三" and both.valid_until == dt.date(2036, 3, 1)


def test_nothing_readable_gives_empty_fields() -> None:
    assert extract_fields([]) == ExtractedFields()
    assert extract_fields([line("%%##", 10, 10, confidence=0.51)]).id_number is None


def test_personal_data_stays_out_of_repr_and_redacted_view() -> None:
    fields = extract_fields(front_lines_split())
    for shown in (repr(fields), str(fields.redacted())):
        assert "张三" not in shown and ID not in shown and "文三路" not in shown
    assert fields.redacted()["name_found"] is True
