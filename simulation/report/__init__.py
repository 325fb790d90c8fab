"""The bilingual council report: which of the CESER's preconisations make cooperations emerge,
succeed and last, per euro, and is any territory left without a project (CESER 2019, P1–P8).

    python -m simulation.report results/sweeps/<name> --lang fr|en|all [--baseline baseline] [--out DIR]

turns a sweep into ``report.<lang>.html`` (self-contained: CSS inline, figures as
data URIs, so it opens from disk) and ``report.<lang>.pdf`` (the same HTML printed
by WeasyPrint). The numbers come from :mod:`simulation.study.analysis` (paired differences
by seed with 95% t-intervals, cost per M€, per-territory counts); the words come from
the Jinja2 templates in ``templates/`` and the gettext catalogues in
``locale/<lang>/LC_MESSAGES/messages.po``, read with Babel at run time (no compiled
``.mo`` is kept in the repository). Maintainers update the catalogues with::

    pybabel extract -F simulation/report/babel.cfg -o simulation/report/messages.pot simulation/report
    pybabel update -i simulation/report/messages.pot -d simulation/report/locale
"""

from simulation.report.build import LANGUAGES, ReportError, build_reports

__all__ = ["LANGUAGES", "ReportError", "build_reports"]
