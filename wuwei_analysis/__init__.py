"""wuwei_analysis: livelihood (民生) indicators of Wuwei City, cleaned, charted and reported."""

__version__ = "0.1.0"
