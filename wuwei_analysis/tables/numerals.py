"""Chinese numerals and multiplier words, one token at a time.

The column parser (:mod:`wuwei_analysis.tables.parse`) finds the tokens with Arrow kernels and
calls these functions once per distinct token: 七十三, 一千零五, 七十三点五, 万, 百万.
"""

from __future__ import annotations

from decimal import Decimal

# Chinese numerals. 两 is the usual "two" before a unit (两千); 〇 is the zero of written years.
CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CHINESE_ZEROS = frozenset("零〇")
CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}  # positions inside a group of four digits
CHINESE_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}  # groups of four digits
CHINESE_CHARS = (
    frozenset(CHINESE_DIGITS) | CHINESE_ZEROS | frozenset(CHINESE_UNITS) | frozenset(CHINESE_BIG_UNITS)
)
# 点 is the decimal point of a Chinese numeral (七十三点五); only digits may follow it, then an
# optional 万/亿 (三点五万).
CHINESE_POINT = "点"
# Words that scale an Arabic number: 1.2万, 3亿, 2千, 5百万. (十 after digits is not written.)
MULTIPLIERS = {"百": 100, "千": 1000, **CHINESE_BIG_UNITS}


def chinese_to_number(text: str) -> float:
    """Value of a Chinese numeral: 八, 十二, 七十三, 一千零五, 两千, 一万二千, 三亿五千万, 〇, 七十三点五.

    A leading unit stands for one of it (十二, 百, 万); the spoken elision of the last unit is read
    too (两千五 = 2500, 一万二 = 12000).
    Raises ValueError when `text` is not a well-formed numeral (unknown character, two digits in a
    row such as 三四, units out of order such as 十百, a stray or leading 零).
    """
    if CHINESE_POINT in text:
        return _chinese_decimal(text)
    if not text or not set(text) <= CHINESE_CHARS:
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if text[0] in CHINESE_ZEROS or text[-1] in CHINESE_ZEROS:
        if len(text) == 1:
            return 0.0
        raise ValueError(f"leading or trailing zero in Chinese numeral: {text!r}")
    above_wan = 0  # groups already multiplied by 亿
    wan = 0  # the group multiplied by 万
    section = 0  # the current group below 万
    digit: int | None = None  # a digit waiting for its unit
    unit_before_digit = 0  # the unit just before that digit (for 两千五), 0 after 零
    last_small_unit = 0  # 十/百/千 must fall within a group
    after_zero = False

    def flush() -> int:
        """The pending digit, scaled by the elided unit (两千五 -> 500)."""
        if digit is None:
            return 0
        return digit * (unit_before_digit // 10 if unit_before_digit >= 100 else 1)

    for position, char in enumerate(text):
        if position == 0 and char not in CHINESE_DIGITS:
            digit = 1  # a leading unit stands for one of it: 十二, 百余, 逾万
        if char in CHINESE_ZEROS:
            if digit is not None or after_zero:
                raise ValueError(f"misplaced 零 in Chinese numeral: {text!r}")
            after_zero, unit_before_digit = True, 0
        elif char in CHINESE_DIGITS:
            if digit is not None:
                raise ValueError(f"two digits in a row in Chinese numeral: {text!r}")
            digit = CHINESE_DIGITS[char]
        elif char in CHINESE_UNITS:
            unit = CHINESE_UNITS[char]
            if last_small_unit and unit >= last_small_unit:
                raise ValueError(f"units out of order in Chinese numeral: {text!r}")
            if digit is None:
                if char != "十" or not after_zero:
                    raise ValueError(f"unit without a digit in Chinese numeral: {text!r}")
                digit = 1  # 一千零十
            section += digit * unit
            digit, unit_before_digit, last_small_unit, after_zero = None, unit, unit, False
        else:  # 万 or 亿
            section += flush()
            big = CHINESE_BIG_UNITS[char]
            if big == CHINESE_BIG_UNITS["万"]:
                if section == 0 or wan:
                    raise ValueError(f"misplaced 万 in Chinese numeral: {text!r}")
                wan = section * big
            else:
                if above_wan or wan + section == 0:
                    raise ValueError(f"misplaced 亿 in Chinese numeral: {text!r}")
                above_wan, wan = (wan + section) * big, 0
            section, digit, unit_before_digit, last_small_unit, after_zero = 0, None, big, 0, False
    return float(above_wan + wan + section + flush())


def _chinese_decimal(text: str) -> float:
    """七十三点五 -> 73.5, 零点五 -> 0.5, 三点五万 -> 35000: digits after 点, then an optional 万/亿."""
    whole, _, rest = text.partition(CHINESE_POINT)
    fraction = rest.rstrip("".join(CHINESE_BIG_UNITS))
    digits = {**{z: 0 for z in CHINESE_ZEROS}, **CHINESE_DIGITS}
    if not whole or not fraction or any(c not in digits or c == "两" for c in fraction):
        raise ValueError(f"not a Chinese decimal numeral: {text!r}")
    number = Decimal(f"{int(chinese_to_number(whole))}.{''.join(str(digits[c]) for c in fraction)}")
    return float(number * Decimal(int(multiplier_value(rest[len(fraction) :]))))


def multiplier_value(word: str) -> float:
    """Factor of a multiplier word after Arabic digits: '' -> 1, 万 -> 1e4, 百万 -> 1e6, 万亿 -> 1e12."""
    factor = 1.0
    for char in word:
        factor *= MULTIPLIERS[char]
    return factor
