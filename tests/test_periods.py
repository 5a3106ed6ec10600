"""Plan periods read from plan titles (the seed titles first)."""
from __future__ import annotations

from datetime import date

import pytest

from boardplans.normalizers.periods import PlanPeriod, parse_plan_period

TITLES = [
    ("Leicestershire and Rutland Local Safeguarding Children Board Business Development Plan 2016-17",
     "2016-17", date(2016, 4, 1), date(2017, 3, 31)),
    ("LSCB Business Plan 2017 - 2018", "2017 - 2018", date(2017, 4, 1), date(2018, 3, 31)),
    ("BUSINESS PLAN 2015 – 2017", "2015 – 2017", date(2015, 4, 1), date(2017, 3, 31)),
    ("The Leeds Safeguarding Children Board 6 Month Business Plan October 2010 – March 2011",
     "October 2010 – March 2011", date(2010, 10, 1), date(2011, 3, 31)),
    ("Annual Report overview 2015/16", "2015/16", date(2015, 4, 1), date(2016, 3, 31)),
    ("Business Plan 2019-2021", "2019-2021", date(2019, 4, 1), date(2021, 3, 31)),
    ("Business Plan April 2019 to March 2020", "April 2019 to March 2020", date(2019, 4, 1), date(2020, 3, 31)),
    ("Work plan Sept 2018 - Aug 2019", "Sept 2018 - Aug 2019", date(2018, 9, 1), date(2019, 8, 31)),
    ("Priorities 19/20", "19/20", date(2019, 4, 1), date(2020, 3, 31)),
    ("Business Plan 2014-2017", "2014-2017", date(2014, 4, 1), date(2017, 3, 31)),
]


@pytest.mark.parametrize("title, text, start, end", TITLES, ids=[t[1] for t in TITLES])
def test_period_from_title(title, text, start, end):
    assert parse_plan_period(title) == PlanPeriod(text, start, end)


@pytest.mark.parametrize("title", ["Business Plan", "Annual Report 2018", "Version 3 – November 2014", ""])
def test_no_period_in_title(title):
    assert parse_plan_period(title) is None
