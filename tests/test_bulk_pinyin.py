"""The bulk writers' pinyin keys are `pinyin_key`'s, character for character, computed once per run."""

import pytest

from approvals.bulk import PinyinKeys
from approvals.search import pinyin_key

NAMES = [
    "",
    "许可证",
    "危险货物道路运输经营许可·12",  # the run before the suffix is shared by every numbered copy
    "X光机使用许可",
    "5万平方米以上建设工程",
    "绿色食品标志（长期）",  # ü as v; a polyphonic character decided by its phrase
    "银行行长任职资格核准",
    "重庆重要设施",
    "〇号线路",
    "Ａ级资质（甲）、乙级",
    "许可证\n变更",
    "𠀀字",
    "a_b%c",
]


@pytest.mark.parametrize("name", NAMES)
def test_a_name_gets_the_same_key_as_pinyin_key_gives_it(name):
    assert PinyinKeys()(name) == pinyin_key(name)


def test_every_name_of_a_batch_gets_its_own_key_while_shared_runs_are_converted_once():
    keys = PinyinKeys()
    names = [f"危险货物道路运输经营许可·{n}" for n in range(1, 4)] + ["许可证", "许可证"]
    assert [keys(name) for name in names] == [pinyin_key(name) for name in names]
    assert keys("危险货物道路运输经营许可·1") == "weixianhuowudaoluyunshujingyingxuke1\nwxhwdlysjyxk1"
    assert set(keys.runs) == {"危险货物道路运输经营许可", "·1", "·2", "·3", "许可证"}
