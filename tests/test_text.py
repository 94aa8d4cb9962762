import pytest

from lms.core.text import fold, search_document, search_terms, vi_slugify


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chữ ký số", "chu ky so"),
        ("HỘ TỊCH", "ho tich"),
        ("Đất đai", "dat dai"),
        ("  Quản   lý  văn bản ", "quan ly van ban"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold_strips_diacritics_and_case(text, expected):
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Đất đai và Địa chính", "dat-dai-va-dia-chinh"),
        ("Chữ ký số chuyên dùng", "chu-ky-so-chuyen-dung"),
        ("Kỹ năng CNTT (IU01–IU06)", "ky-nang-cntt-iu01iu06"),
    ],
)
def test_vi_slugify_keeps_d_stroke_as_d(title, slug):
    assert vi_slugify(title) == slug


def test_search_document_pads_words_for_prefix_matching():
    assert search_document("Chữ ký số, chứng thư số!") == " chu ky so chung thu so "


def test_search_terms_are_folded_unique_and_capped():
    assert search_terms("Ký  số ký") == ["ky", "so"]
    assert len(search_terms(" ".join(f"w{i}" for i in range(20)))) == 8


def test_file_name_parts_keep_only_what_every_system_accepts():
    from lms.core.text import file_name_part

    assert file_name_part("MS-X-SONHA", "don-vi") == "MS-X-SONHA"
    assert file_name_part('A 01/"x"', "0") == "A-01-x"
    assert file_name_part("../Xã", "don-vi") == "X"
    assert file_name_part("…", "don-vi") == file_name_part(None, "don-vi") == "don-vi"
