"""What a TA's batch adds: a class graded in one session, the gradebook that keeps every
result as it comes, the exports (CSV, summary, feedback, plots) and progress; and what the
class did: common wrong answers, check quality, similar code, LMS grades, report.html.
"""
