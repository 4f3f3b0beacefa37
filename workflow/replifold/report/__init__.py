"""The fit's offline HTML report: figures as PNG (matplotlib Agg) embedded in one page.

The report is archived, so it holds nothing machine-dependent beyond the provenance table
and no time: two runs of the same fit give the same bytes.
"""
