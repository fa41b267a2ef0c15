"""Read figures as they are written in Chinese sources, a whole column at a time.

`parse_values` turns raw strings such as ``9,964``, ``１４３７``, ``七十三``, ``1.2万``, ``1000多名``,
``约500``, ``70%``, ``百分之七十``, ``1∶1.22`` or ``2至3岁`` into a value, an optional upper bound, a qualifier
(``exact``, ``more_than``, ``about`` …), the counter word written after the number, a kind and, when
the string cannot be read, a rule a user understands.

How it stays fast on millions of rows: every step over the column is an Arrow compute kernel. Plain
numbers (most cells) take one RE2 match and a cast; the other cells go through one RE2 extraction
of the full figure pattern; Python only runs once per *distinct* Chinese numeral, multiplier or
qualifier word, which are few. Qualifier words are data (``data/reference/qualifiers.csv``).

It never drops a row nor hides a problem: an unreadable string is ``kind == "error"`` with the rule in
``error``; blanks and dashes are ``kind == "missing"`` and the caller decides whether that is allowed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from wuwei_analysis.reference import QualifierWords, qualifier_words
from wuwei_analysis.tables.numerals import (
    CHINESE_CHARS,
    CHINESE_DIGITS,
    CHINESE_POINT,
    CHINESE_ZEROS,
    MULTIPLIERS,
    chinese_to_number,
    multiplier_value,
)

OUTPUT_COLUMNS = ("value", "value_high", "qualifier", "counter", "kind", "error")
KINDS = ("number", "percent", "ratio", "range", "missing", "error")
_NUMBER, _PERCENT, _RATIO, _RANGE, _MISSING, _ERROR = range(len(KINDS))

QUALIFIER_EXACT = "exact"
QUALIFIER_RANGE = "range"
# Qualifier codes while parsing index ("", exact, range, *the qualifiers of the reference words).
_QUALIFIER_NONE, _QUALIFIER_EXACT, _QUALIFIER_RANGE = range(3)

# Cells that say "no figure here". They are not errors: whether a blank is allowed depends on the
# table, so the caller decides. Compared after normalisation and trimming.
MISSING_TOKENS = frozenset(
    {"", "-", "--", "—", "——", "–", "NA", "na", "N/A", "n/a", "None", "none", "null", "NULL", "Null"}
    | {"nan", "NaN", "NAN"}
)
# Error literals of Excel and LibreOffice: a formula broke in the source sheet, which is an error of
# the source, not a blank.
SPREADSHEET_ERRORS = frozenset(
    {"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)

# Rules reported in the `error` column (a user reads these next to the file, line and value).
ERROR_NOT_A_NUMBER = "not a number the parser can read"
ERROR_SPREADSHEET = "spreadsheet error value"
ERROR_EMPTY_RATIO_SIDE = "empty ratio side"
ERROR_EMPTY_RANGE_SIDE = "empty range side"
ERROR_THOUSANDS = "thousands separators must group digits in threes"
ERROR_CHINESE_NUMERAL = "Chinese numeral the parser cannot read"
ERROR_TWO_QUALIFIERS = "two different qualifiers on one figure"
ERROR_RANGE_ORDER = "range low end above its high end"
ERROR_RATIO_ZERO = "ratio with a zero left side"
ERROR_PERCENT_AND_UNIT = "percent sign followed by a unit"
ERROR_TOO_LARGE = "number too large"
_ERRORS = (
    "",
    ERROR_NOT_A_NUMBER,
    ERROR_SPREADSHEET,
    ERROR_EMPTY_RATIO_SIDE,
    ERROR_EMPTY_RANGE_SIDE,
    ERROR_THOUSANDS,
    ERROR_CHINESE_NUMERAL,
    ERROR_TWO_QUALIFIERS,
    ERROR_RANGE_ORDER,
    ERROR_RATIO_ZERO,
    ERROR_PERCENT_AND_UNIT,
    ERROR_TOO_LARGE,
)
_ERROR_CODE = {rule: code for code, rule in enumerate(_ERRORS)}

# Separators, after NFKC normalisation (which already folds ～ to ~, ： to : and － to -).
RANGE_SEPARATORS = ("至", "到", "~", "〜", "-", "—", "–")
RATIO_SEPARATORS = (":", "∶")  # U+2236 RATIO survives NFKC, so it is listed
# ㎡ and m² would become "m2" under NFKC and then read as a stray digit; they are parked on a
# private-use character while normalising and come back as ㎡ in the counter.
# A percentage written in words (百分之七十, 百分之七十三点五) is read as the numeral and a percent sign.
_PERCENT_IN_WORDS = r"百分之([零〇一二两三四五六七八九十百千点0-9.]+)"
_SQUARE_METRE = "㎡"
_SQUARE_METRE_SPELLINGS = ("㎡", "m²")
_PARKED = "\ue000"

_FRACTION_EXPONENT = r"(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
_ARABIC = r"[0-9][0-9,]*" + _FRACTION_EXPONENT  # commas anywhere; checked by _GROUPED_BY_THREE
_GROUPED_BY_THREE = r"^(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)" + _FRACTION_EXPONENT + "$"
# Most cells: an optionally signed number with well-grouped separators and nothing else.
_PLAIN_NUMBER = r"^-?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)" + _FRACTION_EXPONENT + "$"
# CJK ideographs (basic, extension A, compatibility, extensions B+). Written as ranges rather
# than \p{Han}, which RE2 expands into many small ranges and matches a third slower.
_CJK = r"\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}\x{F900}-\x{FAFF}\x{20000}-\x{2FFFF}"
_COUNTER = rf"[{_CJK}A-Za-z/\x{{E000}}]+?"  # lazy, so a suffix qualifier after it stays one


def parse_values(values: pd.Series) -> pd.DataFrame:
    """Parse a column of raw figure strings; one output row per input row, same index.

    Columns: ``value`` and ``value_high`` (float64; ``value_high`` only for ranges), ``qualifier``
    (``exact``, ``more_than``, ``about``, ``less_than``, ``at_least``, ``at_most``, ``range``; '' for missing and
    error rows), ``counter`` (the unit word written after the number, '%' for percentages, '' if
    none), ``kind`` (one of `KINDS`) and ``error`` ('' or the rule the string broke).
    A ratio ``a:b`` has value b/a. The input is not modified.
    """
    text = _normalise(_to_arrow(values))
    words = qualifier_words()
    rows = len(text)
    value = np.full(rows, np.nan)
    value_high = np.full(rows, np.nan)
    qualifier = np.full(rows, _QUALIFIER_EXACT, dtype=np.int8)
    kind = np.full(rows, _NUMBER, dtype=np.int8)
    error = np.zeros(rows, dtype=np.int8)
    counter = pa.repeat(pa.scalar("", text.type), rows)

    # Most cells are plain numbers: one DFA match and a cast, no extraction.
    plain = _np_bool(pc.match_substring_regex(text, _PLAIN_NUMBER))
    value[plain] = _arabic_values(text.filter(pa.array(plain)))
    missing = _np_bool(pc.is_in(text, value_set=pa.array(sorted(MISSING_TOKENS)))) | _np_bool(text.is_null())
    kind[missing] = _MISSING
    _flag(error, _np_bool(pc.is_in(text, value_set=pa.array(sorted(SPREADSHEET_ERRORS)))), ERROR_SPREADSHEET)

    other = ~plain & ~missing & (error == 0)
    if other.any():
        forms = _parse_forms(text.filter(pa.array(other)), words)
        value[other], value_high[other], qualifier[other], kind[other], error[other] = forms[:5]
        counter = pc.replace_with_mask(counter, pa.array(other), forms[5])

    _flag(error, np.isinf(value) | np.isinf(value_high), ERROR_TOO_LARGE)
    # Failed and missing rows carry no figure.
    kind[error > 0] = _ERROR
    no_figure = (kind == _ERROR) | (kind == _MISSING)
    value[no_figure] = np.nan
    value_high[no_figure] = np.nan
    qualifier[no_figure] = _QUALIFIER_NONE
    return pd.DataFrame(
        {
            "value": value,
            "value_high": value_high,
            "qualifier": _labels(_qualifier_labels(words), qualifier),
            "counter": pd.array(pc.if_else(pa.array(no_figure), "", counter), dtype="str"),
            "kind": _labels(KINDS, kind),
            "error": _labels(_ERRORS, error),
        },
        index=values.index,
    )


def _parse_forms(text: pa.Array, words: QualifierWords) -> tuple[np.ndarray, ...]:
    """Parse cells that are not plain numbers, blanks or spreadsheet errors, with the full pattern.

    Returns value, value_high, qualifier codes, kind codes, error codes and the counter (Arrow).
    """
    parts = pc.extract_regex(text, _value_pattern(words))
    matched = _np_bool(parts.is_valid())
    field = functools.partial(pc.struct_field, parts)
    kind = np.full(len(text), _NUMBER, dtype=np.int8)
    error = _unmatched_rule(text, ~matched)

    value, side_error = _side_values(field("a_num"), field("a_sign"), field("a_mult"))
    _flag(error, matched, side_error)
    value_high = np.full(len(text), np.nan)
    separator = field("sep")
    is_ratio = _np_bool(pc.is_in(separator, value_set=pa.array(RATIO_SEPARATORS)))
    is_range = _np_bool(pc.is_in(separator, value_set=pa.array(RANGE_SEPARATORS)))
    percent = _np_bool(pc.equal(field("a_pct"), "%"))
    if (is_ratio | is_range).any():
        rows = np.flatnonzero(is_ratio | is_range)
        high, high_error = _side_values(*(pc.take(field(f"b_{p}"), rows) for p in ("num", "sign", "mult")))
        row_error = np.zeros(len(text), dtype=np.int8)
        row_error[rows] = high_error
        _flag(error, row_error > 0, row_error)
        value_high[rows] = high
        # "2至3万" means 2万 to 3万: a bare low end takes the high end's multiplier when it is no
        # larger than the high end's digits (so "5000-1万" stays 5000 to 10000).
        high_scale = _range_scale(pc.take(field("b_num"), rows), pc.take(field("b_mult"), rows))
        high_factor = _map_distinct(high_scale, multiplier_value, np.nan)
        low_scale = _range_scale(pc.take(field("a_num"), rows), pc.take(field("a_mult"), rows))
        bare_low = _np_bool(pc.equal(low_scale, ""))
        borrow = bare_low & (high_error == 0) & (value[rows] <= high / high_factor)
        value[rows[borrow]] *= high_factor[borrow]
        percent[rows] |= _np_bool(pc.equal(pc.take(field("b_pct"), rows), "%"))
        _flag(error, is_ratio & (value == 0), ERROR_RATIO_ZERO)
        with np.errstate(divide="ignore", invalid="ignore"):
            value[is_ratio] = value_high[is_ratio] / value[is_ratio]
        value_high[is_ratio] = np.nan
        _flag(error, is_range & (value > value_high), ERROR_RANGE_ORDER)
        kind[is_range] = _RANGE
        kind[is_ratio] = _RATIO

    counter = pc.fill_null(field("cnt"), "")
    has_counter = _np_bool(pc.not_equal(counter, ""))
    dangling = _np_bool(pc.match_substring_regex(counter, "^(?:至|到)"))  # "2至": 至 is not a counter
    _flag(error, has_counter & dangling, ERROR_EMPTY_RANGE_SIDE)
    _flag(error, percent & has_counter, ERROR_PERCENT_AND_UNIT)
    qualifier, qualifier_error = _qualifiers(field("pre"), field("suf"), field("suf2"), words)
    _flag(error, matched, qualifier_error)
    qualifier[is_range] = _QUALIFIER_RANGE
    kind[percent & (kind == _NUMBER)] = _PERCENT

    counter = pc.replace_substring(counter, _PARKED, _SQUARE_METRE)
    counter = pc.if_else(pa.array(percent), "%", counter)
    counter = pc.if_else(pa.array(is_ratio), "", counter)
    return value, value_high, qualifier, kind, error, counter


@functools.lru_cache(maxsize=4)
def _value_pattern(words: QualifierWords) -> str:
    """The RE2 pattern of one figure: [prefix] side [separator side] [suffix] [counter] [suffix]."""

    def alternation(options: object) -> str:
        return "|".join(re.escape(o) for o in sorted(options, key=len, reverse=True))

    chinese = "[" + "".join(sorted(CHINESE_CHARS)) + "]+"
    chinese += f"(?:{CHINESE_POINT}[" + "".join(sorted(CHINESE_ZEROS | set(CHINESE_DIGITS))) + "]+[万亿]*)?"
    multipliers = "[" + "".join(MULTIPLIERS) + "]*"

    def side(name: str) -> str:
        return (
            rf"(?P<{name}_sign>[-+−]?)(?P<{name}_num>{_ARABIC}|{chinese})"
            rf"(?P<{name}_mult>{multipliers})\s*(?P<{name}_pct>%?)"
        )

    separators = alternation(RANGE_SEPARATORS + RATIO_SEPARATORS)
    suffix = alternation(words.suffix)
    return (
        rf"^(?P<pre>{alternation(words.prefix)})?\s*{side('a')}"
        rf"(?:\s*(?P<sep>{separators})\s*{side('b')})?"
        rf"\s*(?P<suf>{suffix})?\s*(?P<cnt>{_COUNTER})?\s*(?P<suf2>{suffix})?$"
    )


def _range_scale(number: pa.Array, multiplier: pa.Array) -> pa.Array:
    """The 万/亿 word that scales a range end: its multiplier (3万) or the end of its numeral (三万)."""
    inside = pc.struct_field(pc.extract_regex(number, "(?P<scale>[万亿]+)$"), "scale")
    return pc.if_else(pc.equal(multiplier, ""), pc.fill_null(inside, ""), multiplier)


def _to_arrow(values: pd.Series) -> pa.Array:
    """The column as one Arrow string array (numbers become their text; NaN/None become null)."""
    if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"):
        values = values.astype("string[pyarrow]")
    array = pa.array(values.array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _normalise(text: pa.Array) -> pa.Array:
    """NFKC (full-width digits, signs and spaces to ASCII), 百分之X to X%, trimmed; ㎡ is kept (parked).

    Only non-ASCII strings can change under NFKC, so only they are normalised.
    """
    wide = pa.array(~_np_bool(pc.string_is_ascii(text)) & _np_bool(text.is_valid()))
    if pc.any(wide).as_py():
        subset = text.filter(wide)
        for spelling in _SQUARE_METRE_SPELLINGS:
            subset = pc.replace_substring(subset, spelling, _PARKED)
        subset = pc.replace_substring_regex(pc.utf8_normalize(subset, "NFKC"), _PERCENT_IN_WORDS, r"\1%")
        text = pc.replace_with_mask(text, wide, subset)
    return pc.utf8_trim_whitespace(text)


def _side_values(number: pa.Array, sign: pa.Array, multiplier: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Values of one side of a figure (sign, Arabic or Chinese number, multiplier) and error codes."""
    error = np.zeros(len(number), dtype=np.int8)
    value = np.full(len(number), np.nan)
    present = _np_bool(pc.greater(pc.utf8_length(number), 0))
    chinese = present & ~_np_bool(pc.string_is_ascii(number))
    arabic = present & ~chinese
    badly_grouped = arabic & ~_np_bool(pc.match_substring_regex(number, _GROUPED_BY_THREE))
    _flag(error, badly_grouped, ERROR_THOUSANDS)
    readable = arabic & ~badly_grouped
    value[readable] = _arabic_values(number.filter(pa.array(readable)))
    if chinese.any():
        value[chinese] = _map_distinct(number.filter(pa.array(chinese)), _chinese_or_nan, np.nan)
        _flag(error, chinese & np.isnan(value), ERROR_CHINESE_NUMERAL)
    scaled = readable & _np_bool(pc.not_equal(multiplier, ""))
    if scaled.any():
        factor = _map_distinct(multiplier.filter(pa.array(scaled)), multiplier_value, np.nan)
        value[scaled] = _scaled_arabic(number.filter(pa.array(scaled)), factor)
    negative = _np_bool(pc.is_in(sign, value_set=pa.array(["-", "−"])))
    value[negative] = -value[negative]
    return value, error


def _scaled_arabic(number: pa.Array, factor: np.ndarray) -> np.ndarray:
    """Arabic numbers times a power of ten, shifting the decimal point so that 1.2万 is exactly
    12000 (1.2 * 10000 in floating point is not always exact)."""
    digits = pc.replace_substring(number, ",", "")
    point = pc.find_substring(digits, ".").to_numpy(zero_copy_only=False)
    decimals = np.where(point >= 0, pc.utf8_length(digits).to_numpy(zero_copy_only=False) - point - 1, 0)
    mantissa = _arabic_values(pc.replace_substring(digits, ".", ""))
    shift = np.rint(np.log10(factor)).astype(np.int64) - decimals
    with np.errstate(over="ignore"):
        shifted = np.where(shift >= 0, mantissa * 10.0 ** np.abs(shift), mantissa / 10.0 ** np.abs(shift))
    # An exponent (1.2e3万) has no decimal point to shift: multiply.
    exponent = _np_bool(pc.match_substring_regex(digits, "[eE]"))
    return np.where(exponent, _arabic_values(digits) * factor, shifted)


def _arabic_values(number: pa.Array) -> np.ndarray:
    """Float values of Arabic numbers already checked against the pattern (commas are dropped)."""
    return pc.cast(pc.replace_substring(number, ",", ""), pa.float64()).to_numpy(zero_copy_only=False)


def _qualifiers(
    prefix: pa.Array, suffix: pa.Array, suffix_after_counter: pa.Array, words: QualifierWords
) -> tuple[np.ndarray, np.ndarray]:
    """Qualifier codes (into ('', exact, range, *words.qualifiers)) and error codes for two of them."""
    code = {q: i for i, q in enumerate(_qualifier_labels(words)) if i > _QUALIFIER_RANGE}
    prefix_codes = {w: code[q] for w, q in words.prefix.items()}
    suffix_codes = {w: code[q] for w, q in words.suffix.items()}
    found = [
        _map_distinct(prefix, lambda w: prefix_codes.get(w, 0), 0).astype(np.int8),
        _map_distinct(suffix, lambda w: suffix_codes.get(w, 0), 0).astype(np.int8),
        _map_distinct(suffix_after_counter, lambda w: suffix_codes.get(w, 0), 0).astype(np.int8),
    ]
    qualifier = np.maximum.reduce(found)
    conflict = np.logical_or.reduce([(q > 0) & (q != qualifier) for q in found])
    error = np.where(conflict, _ERROR_CODE[ERROR_TWO_QUALIFIERS], 0).astype(np.int8)
    qualifier[qualifier == _QUALIFIER_NONE] = _QUALIFIER_EXACT
    return qualifier, error


def _qualifier_labels(words: QualifierWords) -> tuple[str, ...]:
    return ("", QUALIFIER_EXACT, QUALIFIER_RANGE, *words.qualifiers)


def _unmatched_rule(text: pa.Array, unmatched: np.ndarray) -> np.ndarray:
    """Error codes (0 where matched) for strings the figure pattern does not match: say what is
    wrong when we can."""
    error = np.zeros(len(text), dtype=np.int8)
    ratio = "|".join(RATIO_SEPARATORS)
    range_ = "|".join(map(re.escape, RANGE_SEPARATORS))
    rules = (
        (rf"^(?:{ratio})|(?:{ratio})$", ERROR_EMPTY_RATIO_SIDE),
        (rf"^(?:至|到|~|〜|—|–)|(?:{range_})$", ERROR_EMPTY_RANGE_SIDE),  # a leading - is a sign
    )
    rows = np.flatnonzero(unmatched)
    found = np.zeros(len(rows), dtype=np.int8)
    for pattern, rule in rules:
        _flag(found, _np_bool(pc.match_substring_regex(pc.take(text, rows), pattern)), rule)
    _flag(found, np.ones(len(rows), dtype=bool), ERROR_NOT_A_NUMBER)
    error[rows] = found
    return error


def _chinese_or_nan(token: str) -> float:
    try:
        return chinese_to_number(token)
    except ValueError:
        return np.nan


def _map_distinct(tokens: pa.Array, func: Callable[[str], float], fill: float) -> np.ndarray:
    """Apply `func` once per distinct token and spread the results over the rows (`fill` for nulls)."""
    encoded = pc.dictionary_encode(tokens)
    distinct = encoded.dictionary.to_pylist()
    results = np.array([func(token) for token in distinct] + [fill], dtype=np.float64)
    return results[encoded.indices.fill_null(len(distinct)).to_numpy(zero_copy_only=False)]


def _flag(error: np.ndarray, where: np.ndarray, rule: str | np.ndarray) -> None:
    """Record `rule` (a rule text, or per-row codes) on rows that have no error yet."""
    code = _ERROR_CODE[rule] if isinstance(rule, str) else rule
    np.copyto(error, code, where=where & (error == 0), casting="unsafe")


def _np_bool(mask: pa.Array) -> np.ndarray:
    """An Arrow boolean array as numpy, null counted as False."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _labels(labels: tuple[str, ...], codes: np.ndarray) -> pd.arrays.ArrowStringArray:
    """A string column from small integer codes into `labels`."""
    return pd.array(pc.take(pa.array(labels, pa.large_string()), pa.array(codes)), dtype="str")
